import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
const chats = [9301, 9302, 9303, 9304];
/** fakeConfig's long-poll timeout; the worker gives up a poll after pollTimeoutS + 10 s. */
const pollTimeoutS = 2;

describe('Telegram transport faults: hanging polls, connection resets, a second poller', () => {
  let stack: TelegramStack;
  let telegram: FakeTelegram;
  let cluster: Cluster;

  const settle = async (traffic: Traffic, timeoutMs: number) => {
    await traffic.waitAllAnswered(timeoutMs);
    // Late duplicates would show up within this pause.
    await sleep(1_500);
  };
  /** Calls of `method` since index `from` that a fault of `kind` answered. */
  const faulted = (method: string, from: number, kind: string) =>
    telegram.calls(method).slice(from).filter((c) => c.fault === kind);

  beforeAll(async () => {
    stack = await startTelegramStack();
    ({ telegram, cluster } = stack);
    telegram.injectMessage({ chatId: 9300, text: 'warm-up' });
    await telegram.waitFor(() => telegram.sentTo(9300).length === 1, 30_000);
  }, 90_000);

  afterEach(() => telegram.clearFaults());

  afterAll(async () => {
    await stack?.close();
  });

  it('abandons hanging long polls after their deadline and answers what arrived meanwhile', async () => {
    const pollsBefore = telegram.calls('getUpdates').length;
    const traffic = createTraffic(telegram, { chats, prefix: 'hang' });
    telegram.setFault('getUpdates', { kind: 'hang', times: 2 });
    await telegram.waitFor(() => faulted('getUpdates', pollsBefore, 'hang').length === 1, 2 * pollTimeoutS * 1000 + 2_000);
    traffic.round();
    await sleep(5_000);
    traffic.round();
    await settle(traffic, 60_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const polls = telegram.calls('getUpdates').slice(pollsBefore);
    const hangs = polls.filter((c) => c.fault === 'hang');
    expect(hangs).toHaveLength(2);
    // Each hung poll is given up pollTimeoutS + 10 s after it began; the next starts 2 s later.
    for (const hung of hangs) {
      const next = polls.find((c) => c.at > hung.at);
      expect(next).toBeDefined();
      expect((next?.at ?? 0) - hung.at).toBeGreaterThanOrEqual((pollTimeoutS + 10) * 1000);
      expect((next?.at ?? 0) - hung.at).toBeLessThan((pollTimeoutS + 10) * 1000 + 4_000);
    }
    expect(await cluster.logs('nanobot-telegram')).toContain('telegram channel error: CHANNEL_UNAVAILABLE: network error calling telegram getUpdates');
  }, 90_000);

  it('tears down a transport that stays deaf at start-up (hanging getMe) with the liveness watchdog', async () => {
    const traffic = createTraffic(telegram, { chats, prefix: 'deaf' });
    // Only a fresh process asks getMe; the restarted worker's first getMe hangs.
    telegram.setFault('getMe', { kind: 'hang', times: 1 });
    const meBefore = telegram.calls('getMe').length;
    expect((await cluster.pm2('restart', 'nanobot-telegram')).code).toBe(0);
    await telegram.waitFor(() => telegram.calls('getMe').length > meBefore, 20_000);
    traffic.round();
    await settle(traffic, 60_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const logs = await cluster.logs('nanobot-telegram');
    expect(logs).toMatch(/telegram transport is deaf: no activity for \d+s, restarting\.\.\./);
    const [hung, answered] = telegram.calls('getMe').slice(meBefore);
    expect(hung?.fault).toBe('hang');
    // The window is pollTimeoutS + 20 s; the watchdog looks every quarter of it.
    const tornDownAfterMs = (answered?.at ?? 0) - (hung?.at ?? 0);
    console.log(`[telegram-api] deaf getMe: torn down and asked again after ${tornDownAfterMs} ms`);
    expect(tornDownAfterMs).toBeGreaterThan((pollTimeoutS + 20) * 1000);
    expect(tornDownAfterMs).toBeLessThan((pollTimeoutS + 20) * 1000 * 1.25 + 4_000);
  }, 90_000);

  it('answers every message once, in order, when getUpdates connections are reset', async () => {
    const pollsBefore = telegram.calls('getUpdates').length;
    const traffic = createTraffic(telegram, { chats, prefix: 'reset-poll' });
    telegram.setFault('getUpdates', { kind: 'reset', times: 3 });
    await traffic.stream(3, 1_000);
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(faulted('getUpdates', pollsBefore, 'reset')).toHaveLength(3);
  }, 60_000);

  // A reset sendMessage is, for the client, indistinguishable from "response lost after
  // delivery": the sender asks Telegram (editMessageText probes after the user's message) and,
  // here, finds that Telegram never performed it, so it sends the reply once, in its place.
  it('answers a reply whose sendMessage was reset before Telegram performed it, once and in order', async () => {
    const sendsBefore = telegram.calls('sendMessage').length;
    const failedBefore = failedCountIn((await cluster.nanobot('status')).stdout, 'outbound-telegram');
    const traffic = createTraffic(telegram, { chats, prefix: 'reset-send' });
    telegram.setFault('sendMessage', { kind: 'reset', times: 1 });
    traffic.round();
    traffic.round();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const sends = telegram.calls('sendMessage').slice(sendsBefore);
    expect(sends.filter((c) => c.fault === 'reset')).toHaveLength(1);
    // One send per reply, plus the one that was reset.
    expect(sends).toHaveLength(traffic.total() + 1);
    const status = await cluster.nanobot('status');
    expect(failedCountIn(status.stdout, 'outbound-telegram') - failedBefore).toBe(0);
    expect(await cluster.logs('nanobot-telegram')).toContain('reply not delivered, sending it');
  }, 60_000);

  it('waits longer than the long-poll timeout after a 409 from a second poller, then resumes without loss', async () => {
    const pollsBefore = telegram.calls('getUpdates').length;
    const traffic = createTraffic(telegram, { chats, prefix: 'conflict' });
    telegram.setFault('getUpdates', { kind: 'conflict', times: 2 });
    await traffic.stream(3, 1_000);
    await settle(traffic, 40_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const polls = telegram.calls('getUpdates').slice(pollsBefore);
    const conflicts = polls.filter((c) => c.status === 409);
    expect(conflicts).toHaveLength(2);
    for (const conflict of conflicts) {
      const next = polls.find((c) => c.at > conflict.at);
      const waitedMs = (next?.at ?? 0) - conflict.at;
      console.log(`[telegram-api] 409: next getUpdates after ${waitedMs} ms`);
      expect(waitedMs).toBeGreaterThan(pollTimeoutS * 1000);
    }
    expect(await cluster.logs('nanobot-telegram')).toContain('telegram channel error: CHANNEL_CONFLICT: telegram reported a conflict on getUpdates');
  }, 60_000);
});
