import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createTraffic,
  failedCountIn,
  startTelegramStack,
  type FakeLlm,
  type Cluster,
  type FakeTelegram,
  type TelegramStack,
  type Traffic,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9201, 9202, 9203, 9204];
/** fakeConfig's long-poll timeout. */
const pollTimeoutS = 2;

describe('Telegram API outages, rate limits, lost responses and a bad token', () => {
  let stack: TelegramStack;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  const telegramRestarts = async () => (await cluster.processes()).find((p) => p.name === 'nanobot-telegram')?.restarts;
  const settle = async (traffic: Traffic, timeoutMs: number) => {
    await traffic.waitAllAnswered(timeoutMs);
    // Late duplicates would show up within this pause.
    await sleep(1_500);
  };

  beforeAll(async () => {
    stack = await startTelegramStack();
    ({ telegram, llm, cluster } = stack);
    telegram.injectMessage({ chatId: 9200, text: 'warm-up' });
    await telegram.waitFor(() => telegram.sentTo(9200).length === 1, 30_000);
  }, 90_000);

  afterEach(() => {
    telegram.clearFaults();
    llm.setLatency(0);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('answers everything within 5 s after a 60 s outage of 502s ends, retrying in-process', async () => {
    const restartsBefore = await telegramRestarts();
    llm.setLatency(1_000);
    const traffic = createTraffic(telegram, { chats, prefix: 'outage' });
    // These turns are running when the outage starts: their replies meet the 502s.
    traffic.round();
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    telegram.setFault('*', { kind: 'status', status: 502 });
    const outageStartedAt = Date.now();
    // Later turns are quick: the time to the last reply measures recovery, not a backlog of slow turns.
    llm.setLatency({ minMs: 0, maxMs: 40 });
    for (let i = 0; i < 5; i += 1) {
      await sleep(10_000);
      traffic.round();
    }
    await sleep(outageStartedAt + 60_000 - Date.now());
    telegram.clearFaults();
    const outageEndedAt = Date.now();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const during = (m: { at: number }) => m.at > outageStartedAt && m.at < outageEndedAt;
    expect(telegram.sent().filter(during)).toEqual([]);
    // Both directions met the outage: polls and replies were refused, and retried.
    expect(telegram.calls('getUpdates').filter((c) => during(c) && c.status === 502).length).toBeGreaterThan(10);
    // A reply refused with a 502 may still have been delivered: it is checked with editMessageText
    // probes, which meet the 502s too, until Telegram is back.
    const replyCalls = [...telegram.calls('sendMessage'), ...telegram.calls('editMessageText')];
    expect(telegram.calls('sendMessage').filter((c) => during(c) && c.status === 502).length).toBeGreaterThanOrEqual(1);
    expect(replyCalls.filter((c) => during(c) && c.status === 502).length).toBeGreaterThan(3);
    expect(await cluster.logs('nanobot-telegram')).toContain('Restarting telegram channel in 2s...');
    expect(await telegramRestarts()).toBe(restartsBefore);
    const replyTimes = telegram.sent().filter((m) => m.visibleText.startsWith('echo: outage-')).map((m) => m.at);
    const firstAfterMs = Math.min(...replyTimes.filter((at) => at > outageEndedAt)) - outageEndedAt;
    const resumedAfterMs = Math.max(...replyTimes) - outageEndedAt;
    console.log(`[telegram-api] 60 s outage of 502s: first reply ${firstAfterMs} ms, last ${resumedAfterMs} ms after it ended`);
    expect(resumedAfterMs).toBeLessThanOrEqual(5_000);
  }, 150_000);

  it('honours retry_after of a 429 on sendMessage and still answers once, in order', async () => {
    const traffic = createTraffic(telegram, { chats, prefix: 'limited' });
    const sendsBefore = telegram.calls('sendMessage').length;
    telegram.setFault('sendMessage', { kind: 'retryAfter', seconds: 3, times: 1 });
    traffic.round();
    traffic.round();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const sends = telegram.calls('sendMessage').slice(sendsBefore);
    const limitedAt = sends.findIndex((c) => c.fault === 'retryAfter');
    const limited = sends[limitedAt];
    const next = sends[limitedAt + 1];
    if (limited === undefined || next === undefined) throw new Error('no 429 followed by a send');
    console.log(`[telegram-api] 429 retry_after 3 s: next sendMessage after ${next.at - limited.at} ms`);
    expect(next.at - limited.at).toBeGreaterThanOrEqual(3_000);
    // The refused reply was sent again, once: one call per reply plus the refused one.
    expect(sends).toHaveLength(traffic.total() + 1);
  }, 60_000);

  it('does not resend a reply whose response was lost after delivery, and parks nothing', async () => {
    const traffic = createTraffic(telegram, { chats, prefix: 'lost' });
    const sendsBefore = telegram.calls('sendMessage').length;
    const failedBefore = failedCountIn((await cluster.nanobot('status')).stdout, 'outbound-telegram');
    telegram.setFault('sendMessage', { kind: 'lostResponse', times: 2 });
    traffic.round();
    traffic.round();
    await settle(traffic, 30_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const sends = telegram.calls('sendMessage').slice(sendsBefore);
    expect(sends.filter((c) => c.fault === 'lostResponse')).toHaveLength(2);
    expect(sends).toHaveLength(traffic.total());
    const status = await cluster.nanobot('status');
    expect(failedCountIn(status.stdout, 'outbound-telegram') - failedBefore).toBe(0);
    expect(await cluster.logs('nanobot-telegram')).toContain('reply found delivered, not sending it again');
  }, 60_000);

  // Last in this file: the channel then waits 300 s before trying the token again.
  it('shows a bad token (401) as CHANNEL_FATAL with a retry 300 s ahead, without a crash loop', async () => {
    const restartsBefore = await telegramRestarts();
    telegram.setFault('getMe', { kind: 'status', status: 401 });
    telegram.setFault('getUpdates', { kind: 'status', status: 401 });
    await telegram.waitFor(() => telegram.calls('getUpdates').some((c) => c.status === 401), 2 * pollTimeoutS * 1000 + 5_000);
    const refusedAt = telegram.calls('getUpdates').find((c) => c.status === 401)?.at ?? 0;
    // Each process publishes its status every 5 s.
    let line = '';
    for (let i = 0; i < 12 && !line.includes('CHANNEL_FATAL'); i += 1) {
      line = (await cluster.nanobot('status')).stdout.split('\n').find((l) => l.trim().startsWith('telegram ')) ?? '';
      if (!line.includes('CHANNEL_FATAL')) await sleep(1_000);
    }

    // `nanobot status` shows a backoff after CHANNEL_FATAL as `fatal` and the retry as `in <n>s`.
    expect(line).toMatch(/^\s*telegram\s+fatal\b/);
    expect(line).toContain('last error CHANNEL_FATAL: telegram rejected the bot token (401) on getUpdates');
    const retryInS = Number(/next retry in (\d+)s/.exec(line)?.[1]);
    const sinceRefusalS = (Date.now() - refusedAt) / 1000;
    expect(retryInS).toBeGreaterThanOrEqual(300 - sinceRefusalS - 2);
    expect(retryInS).toBeLessThanOrEqual(300);
    // Retried only slowly: no more polls while the token is refused.
    const pollsAfter = telegram.calls('getUpdates').filter((c) => c.at > refusedAt).length;
    await sleep(3_000);
    expect(telegram.calls('getUpdates').filter((c) => c.at > refusedAt).length).toBe(pollsAfter);
    const processes = await cluster.processes();
    expect(processes.find((p) => p.name === 'nanobot-telegram')).toMatchObject({ status: 'online', restarts: restartsBefore });
    telegram.clearFaults();
  }, 60_000);
});
