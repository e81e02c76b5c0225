import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanReport, createTraffic, startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two telegram workers under pm2, one holding the poller lease, the other a hot standby. The
 * fake Bot API records which process made each call (by pid, from /proc), so the tests see
 * who polled and who sent, and it freezes a process (SIGSTOP) right before answering it.
 */
describe.runIf(process.platform === 'linux')('one telegram sender at a time, fenced by the poller lease', () => {
  let stack: TelegramStack;
  let client: Redis;
  const frozen = new Set<number>();

  beforeAll(async () => {
    stack = await startTelegramStack({ telegramInstances: 2, fakeTelegram: { identifyClients: true } });
    client = new Redis(stack.redis.url);
    const warmup = createTraffic(stack.telegram, { chats: [9500], prefix: 'warmup' });
    warmup.round();
    await warmup.waitAllAnswered(30_000);
  });

  afterAll(async () => {
    // A stopped process would hold up `nanobot stop` until pm2's kill_timeout.
    for (const pid of frozen) resume(pid);
    await client?.quit();
    await stack?.close();
  });

  function freeze(pid: number): void {
    frozen.add(pid);
    process.kill(pid, 'SIGSTOP');
  }
  function resume(pid: number): void {
    frozen.delete(pid);
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already gone: nothing to resume.
    }
  }

  /** The pids of the telegram worker holding the poller lease (`host:pm_id`) and of the other. */
  async function roles(): Promise<{ active: number; standby: number }> {
    const holder = await client.get(`nb:lease:telegram:${stack.telegram.botId}`);
    const pmId = Number(holder?.split(':').pop());
    const workers = (await stack.cluster.processes()).filter((p) => p.name === 'nanobot-telegram' && p.pid > 0);
    const active = workers.find((p) => p.pmId === pmId);
    const standby = workers.find((p) => p.pmId !== pmId);
    if (active === undefined || standby === undefined) throw new Error(`no active and standby worker for ${holder}: ${JSON.stringify(workers)}`);
    return { active: active.pid, standby: standby.pid };
  }

  const callsSince = (method: string, since: number) => stack.telegram.calls(method).filter((c) => c.at >= since);

  it('keeps one sender when the holder\'s polls fail with 409: the standby neither polls nor sends, and each chat keeps its order', async () => {
    const { active, standby } = await roles();
    const chats = [9511, 9512, 9513, 9514];
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'conflict' });
    const since = Date.now();
    // Slow turns: the replies to this burst go out over several seconds after the first 409.
    stack.llm.setLatency({ minMs: 1_000, maxMs: 1_500 });
    for (let round = 0; round < 4; round += 1) traffic.round();
    await stack.telegram.waitFor(() => stack.telegram.pendingUpdates().length === 0, 10_000);
    // Each 409 fails the run; it restarts after the long-poll timeout + 5 s (7 s), longer than
    // the 5 s lease TTL: a holder that stopped renewing then would be replaced by the standby.
    stack.telegram.setFault('getUpdates', { kind: 'conflict', times: 2 });
    await traffic.stream(6, 1_000);
    await traffic.waitAllAnswered(60_000);
    stack.llm.setLatency(0);
    await sleep(2_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const conflicts = callsSince('getUpdates', since).filter((c) => c.status === 409);
    expect(conflicts.map((c) => ({ pid: c.pid, fault: c.fault }))).toEqual([
      { pid: active, fault: 'conflict' },
      { pid: active, fault: 'conflict' },
    ]);
    // The holder kept sending through its restart delay, and nobody else sent or polled.
    const sends = callsSince('sendMessage', since);
    expect(sends.filter((c) => c.at > conflicts[0]!.at && c.at < conflicts[1]!.at).length).toBeGreaterThan(0);
    expect(new Set(sends.map((c) => c.pid))).toEqual(new Set([active]));
    expect(callsSince('getUpdates', since).filter((c) => c.pid === standby)).toEqual([]);
  }, 120_000);

  it('a holder frozen past its lease and resumed polls no more: no 409 for the new holder', async () => {
    const { active: old, standby: next } = await roles();
    const traffic = createTraffic(stack.telegram, { chats: [9521], prefix: 'frozen-poll' });
    let frozenAt = 0;
    // Frozen with an answer carrying a new update unread in its socket: once resumed, it queues
    // the update (a duplicate, dropped by its job id) and would poll again right away.
    stack.telegram.beforeAnswer('getUpdates', (call, answer) => {
      if (call.pid !== old || !answer.ok || !JSON.stringify(answer.result).includes('frozen-poll')) return;
      freeze(old);
      frozenAt = Date.now();
      stack.telegram.beforeAnswer('getUpdates', undefined);
    });
    traffic.send(9521);
    await stack.telegram.waitFor(() => frozenAt > 0, 10_000);
    await traffic.waitAllAnswered(40_000); // by the standby, which took the lease over
    expect((await roles()).active).toBe(next);

    const resumedAt = Date.now();
    resume(old);
    await sleep(3_000);
    traffic.send(9521);
    await traffic.waitAllAnswered(20_000);
    await sleep(2_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // Resumed, it makes no call at all: no poll, no reply, not even "typing…" for the update it read.
    expect(stack.telegram.calls().filter((c) => c.pid === old && c.at >= resumedAt)).toEqual([]);
    expect(callsSince('getUpdates', frozenAt).filter((c) => c.status === 409)).toEqual([]);
  }, 120_000);

  it('a holder frozen with a reply in hand and resumed sends nothing twice', async () => {
    const { active: old, standby: next } = await roles();
    const traffic = createTraffic(stack.telegram, { chats: [9531], prefix: 'frozen-send' });
    let frozenAt = 0;
    // Telegram refuses the reply's HTML; the sender falls back to plain text, with no marker
    // check in between. The holder is frozen before it reads the refusal, so once resumed it
    // would send the plain copy of a reply the new holder has sent meanwhile.
    stack.telegram.setFault('sendMessage', { kind: 'status', status: 400, description: "Bad Request: can't parse entities: frozen", times: 1 });
    stack.telegram.beforeAnswer('sendMessage', (call) => {
      if (call.pid !== old || call.fault !== 'status') return;
      freeze(old);
      frozenAt = Date.now();
      stack.telegram.beforeAnswer('sendMessage', undefined);
    });
    traffic.send(9531);
    await stack.telegram.waitFor(() => frozenAt > 0, 20_000);
    // The new holder waits for the frozen one's reply in hand to be put back, then sends it.
    await traffic.waitAllAnswered(60_000);
    expect((await roles()).active).toBe(next);

    const resumedAt = Date.now();
    resume(old);
    await sleep(3_000);
    traffic.send(9531);
    await traffic.waitAllAnswered(20_000);
    await sleep(2_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // Only a "typing…" action that fell due while it was frozen may still go out (cosmetic; the
    // lost lease then stops every typing indicator of the process).
    const afterResume = stack.telegram.calls().filter((c) => c.pid === old && c.at >= resumedAt);
    expect(afterResume.filter((c) => c.method !== 'sendChatAction')).toEqual([]);
    expect(afterResume.length).toBeLessThanOrEqual(1);
    expect(callsSince('getUpdates', frozenAt).filter((c) => c.pid === next && c.status === 409)).toEqual([]);
  }, 120_000);
});
