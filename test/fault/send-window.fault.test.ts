import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createTraffic,
  failedCountIn,
  startTelegramStack,
  type Cluster,
  type FakeTelegram,
  type TelegramStack,
  type Traffic,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The send window, deterministically: the moment between Telegram delivering a reply and the
 * sender recording it. Each case makes that moment happen on purpose (a fault point that
 * kills the worker there, a fake Telegram that delivers and then resets or answers 502) and
 * asserts that the user sees the reply exactly once and nothing is parked.
 */
describe('the send window of the Telegram worker', () => {
  let stack: TelegramStack;
  let telegram: FakeTelegram;
  let cluster: Cluster;
  let onceFile: string;

  const failed = async () => failedCountIn((await cluster.nanobot('status')).stdout, 'outbound-telegram');
  const settle = async (traffic: Traffic, timeoutMs: number) => {
    await traffic.waitAllAnswered(timeoutMs);
    // A late second copy would show up within this pause.
    await sleep(2_000);
  };
  const telegramRestarts = async () => (await cluster.processes()).find((p) => p.name === 'nanobot-telegram')?.restarts ?? -1;

  beforeAll(async () => {
    stack = await startTelegramStack({ start: false });
    ({ telegram, cluster } = stack);
    // The worker kills itself with SIGKILL right after Telegram answers its first sendMessage,
    // before the sent-marker is written; the file makes it happen once, not after the restart.
    onceFile = join(cluster.home, 'fault-point-fired');
    cluster.env.NANOBOT_FAULT_POINT = 'after-send';
    cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers once when the worker is killed between Telegram\'s answer and the sent-marker', async () => {
    const traffic = createTraffic(telegram, { chats: [9401], prefix: 'killed-after-send' });
    const restartsBefore = await telegramRestarts();
    traffic.round();
    await telegram.waitFor(() => existsSync(onceFile), 30_000);
    await cluster.waitOnline(['nanobot-telegram']);
    traffic.round();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(await telegramRestarts()).toBe(restartsBefore + 1);
    // The restarted worker asked Telegram instead of sending again: one sendMessage per reply.
    expect(telegram.calls('sendMessage').filter((c) => String(c.params.chat_id) === '9401')).toHaveLength(2);
    expect(await cluster.logs('nanobot-telegram')).toContain('reply found delivered, not sending it again');
    expect(await failed()).toBe(0);
  }, 90_000);

  it('answers once, parking nothing, when the connection is reset after Telegram delivered the reply', async () => {
    const traffic = createTraffic(telegram, { chats: [9402, 9403], prefix: 'reset-after-send' });
    const sendsBefore = telegram.calls('sendMessage').length;
    telegram.setFault('sendMessage', { kind: 'lostResponse', times: 2 });
    traffic.round();
    traffic.round();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const sends = telegram.calls('sendMessage').slice(sendsBefore);
    expect(sends.filter((c) => c.fault === 'lostResponse')).toHaveLength(2);
    expect(sends).toHaveLength(traffic.total());
    expect(await failed()).toBe(0);
    expect(await cluster.logs('nanobot-telegram')).not.toContain('reply delivery uncertain');
  }, 60_000);

  it('answers once, parking nothing, when Telegram answers 502 after delivering the reply', async () => {
    const traffic = createTraffic(telegram, { chats: [9404, 9405], prefix: 'status-after-send' });
    const sendsBefore = telegram.calls('sendMessage').length;
    telegram.setFault('sendMessage', { kind: 'statusAfterEffect', status: 502, times: 2 });
    traffic.round();
    traffic.round();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const sends = telegram.calls('sendMessage').slice(sendsBefore);
    expect(sends.filter((c) => c.fault === 'statusAfterEffect')).toHaveLength(2);
    expect(sends).toHaveLength(traffic.total());
    expect(await failed()).toBe(0);
  }, 60_000);

  it('parks a reply it cannot check, and `nanobot retry` resolves it without a second copy', async () => {
    const traffic = createTraffic(telegram, { chats: [9406], prefix: 'unchecked' });
    telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    // Telegram refuses the probe for a reason the sender cannot read: it parks, it does not guess.
    telegram.setFault('editMessageText', { kind: 'status', status: 400, description: 'Bad Request: MESSAGE_ID_INVALID', times: 1 });
    traffic.round();
    for (let i = 0; i < 60 && (await failed()) === 0; i += 1) await sleep(500);
    expect(await failed()).toBe(1);
    expect(await cluster.logs('nanobot-telegram')).toContain('telegram refused the reply');
    expect(traffic.report().answered).toBe(1);

    const jobId = /outbound-telegram\s+(\S+)\s+attempts/.exec((await cluster.nanobot('failed')).stdout)?.[1];
    expect(jobId).toBeDefined();
    expect((await cluster.nanobot('retry', jobId ?? '')).code).toBe(0);
    await settle(traffic, 20_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(telegram.calls('sendMessage').filter((c) => String(c.params.chat_id) === '9406')).toHaveLength(1);
    expect(await failed()).toBe(0);
  }, 60_000);
});
