import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, createRedis, queueNames, type Queues } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import { listFailed, retryFailed } from '@nanobot/ops';
import { createAgentWorker, type AgentWorker, type AgentWorkerOptions } from '../../apps/agent/src/create-agent-worker.js';
import { replies } from '../../apps/agent/src/replies.js';

const log = createLogger({ name: 'outage-int', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The real timing scaled down 20×: notice after 1 s (20 s), waits of 100 ms doubling to
 * 1.5 s (2 s to 30 s), a 30 s window (600 s).
 */
const scaled = { noticeAfterMs: 1_000, firstDelayMs: 100, maxDelayMs: 1_500, retryWindowMs: 30_000 };

type Reply = OutboundMessage & { at: number };

describe('turns through a model outage (two agent instances, real Redis, fake LLM)', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let workspace: string;
  let connection: Redis;
  let queues: Queues;
  let outbound: Queue;
  let workers: AgentWorker[] = [];
  let seq = 0;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    llm = await startFakeLlm();
    workspace = await mkdtemp(join(tmpdir(), 'nb-outage-int-'));
    connection = createRedis({ url: redis.url, role: 'producer', log, name: 'test' });
    queues = createQueues(connection, log);
    outbound = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    llm.clearFaults();
    llm.setLatency(0);
  });
  afterAll(async () => {
    await outbound?.close();
    await queues?.close();
    await connection?.quit();
    await llm?.close();
    await redis?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  async function startAgents(count: number, options: { model?: string; provider?: string; extra?: Partial<AgentWorkerOptions> } = {}): Promise<void> {
    const provider = options.provider ?? 'custom';
    const config = parseConfig(
      { agents: { defaults: { workspace, provider, model: options.model ?? 'test-model', maxConcurrentTurns: 2 } }, providers: { [provider]: { apiKey: 'k', apiBase: llm.baseUrl } } },
      { env: {}, homeDir: tmpdir(), nanobotHome: tmpdir(), source: 'test' },
    ).config;
    for (let n = 0; n < count; n += 1) {
      const worker = createAgentWorker({
        config,
        nanobotHome: workspace,
        redisUrl: redis.url,
        log,
        env: {},
        runtime: 'test',
        timeZone: 'UTC',
        startedAt: Date.now(),
        leaseMs: 2_000,
        modelOptions: { maxRetries: 0 },
        outage: scaled,
        ...options.extra,
      });
      workers.push(worker);
      await worker.start();
    }
  }

  const text = (chatId: string, body: string): InboundMessage => {
    seq += 1;
    return { kind: 'message', id: `tg-${chatId}-${seq}`, channel: 'telegram', chatId, senderId: chatId, sessionKey: `telegram:${chatId}`, seq, receivedAt: Date.now(), text: body, media: [] };
  };
  const command = (chatId: string, name: 'help' | 'status' | 'stop' | 'new'): InboundMessage => {
    seq += 1;
    return { kind: 'command', command: name, args: '', id: `tg-${chatId}-${seq}`, channel: 'telegram', chatId, senderId: chatId, sessionKey: `telegram:${chatId}`, seq, receivedAt: Date.now() };
  };
  const send = async (...messages: InboundMessage[]) => {
    for (const m of messages) await queues.addInbound(m);
  };

  /** Everything queued for Telegram users, oldest first (one job per reply id: a second add of an id adds nothing). */
  async function sent(chatId?: string): Promise<Reply[]> {
    const jobs = await outbound.getJobs(['wait', 'active', 'completed', 'delayed', 'failed']);
    return jobs
      .map((j) => ({ ...(j.data as OutboundMessage), at: j.timestamp }))
      .filter((r) => chatId === undefined || r.chatId === chatId)
      .sort((a, b) => a.at - b.at);
  }
  async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not in ${timeoutMs} ms: ${JSON.stringify((await sent()).map((r) => [r.id, r.text]))}`);
      await sleep(50);
    }
  }
  const answersIn = async (chatId: string) => (await sent(chatId)).filter((r) => r.id.endsWith('-reply'));
  const noticesIn = async (chatId: string) => (await sent(chatId)).filter((r) => r.text === replies.modelWaiting);
  const isParked = async (chatId: string) => ((await connection.get(`nb:sess:{telegram:${chatId}}:owner`)) ?? '').startsWith('parked-');

  /** Every message answered with its echo, once, in the order sent, and at most one notice per chat. */
  async function expectAnsweredInOrder(byChat: Map<string, InboundMessage[]>): Promise<void> {
    for (const [chatId, messages] of byChat) {
      const answers = await answersIn(chatId);
      expect(answers.map((r) => r.inReplyTo), chatId).toEqual(messages.map((m) => m.id));
      expect(answers.map((r) => r.text)).toEqual(messages.map((m) => `echo: ${(m as { text: string }).text}`));
      expect((await noticesIn(chatId)).length, chatId).toBeLessThanOrEqual(1);
    }
  }

  /** Three rounds of one message to every chat, `spreadMs` apart; `afterFirst` runs after the first round. */
  async function outageWithTraffic(prefix: string, chats: string[], spreadMs: number, afterFirst?: () => Promise<void>): Promise<Map<string, InboundMessage[]>> {
    const byChat = new Map<string, InboundMessage[]>(chats.map((c) => [c, []]));
    for (let round = 0; round < 3; round += 1) {
      for (const chatId of chats) {
        const m = text(chatId, `${prefix}-${chatId}-${round}`);
        byChat.get(chatId)?.push(m);
        await send(m);
      }
      if (round === 0) await afterFirst?.();
      await sleep(spreadMs);
    }
    return byChat;
  }

  it('answers every message of several chats once and in order after 500s for 4 s, one notice per chat, commands answered meanwhile', async () => {
    await startAgents(2);
    llm.setFault({ kind: 'status', status: 500, forMs: 4_000 });
    const chats = ['a1', 'a2', 'a3', 'a4'];
    const byChat = await outageWithTraffic('five', chats, 1_000, async () => {
      // The outage holds up only the turns that need the model: commands, and a /new with nothing
      // to summarise, are answered while the chats wait.
      await waitUntil(() => isParked('a1'), 3_000);
      await send(command('a9', 'help'), command('a9', 'status'), command('a8', 'new'));
      await waitUntil(async () => (await sent('a9')).length === 2 && (await sent('a8')).length === 1, 2_000);
      expect((await sent('a8'))[0]?.text).toBe(replies.newSession);
      expect(await answersIn('a1')).toEqual([]);
    });

    await waitUntil(async () => (await Promise.all(chats.map(answersIn))).every((a) => a.length === 3), 20_000);
    await sleep(500);
    await expectAnsweredInOrder(byChat);
    for (const chatId of chats) {
      // The first message of each chat waited past the notice threshold: exactly one notice, before the answers.
      const notices = await noticesIn(chatId);
      expect(notices.map((n) => n.inReplyTo)).toEqual([byChat.get(chatId)?.[0]?.id]);
      expect(notices[0]?.at ?? 0).toBeLessThan((await answersIn(chatId))[0]?.at ?? 0);
    }
    expect((await sent()).some((r) => r.text === replies.error)).toBe(false);
  }, 40_000);

  it('answers every message after an Anthropic 529 "overloaded" outage', async () => {
    await startAgents(2, { provider: 'anthropic', model: 'claude-test' });
    llm.setFault({ kind: 'status', status: 529, forMs: 2_500 });
    const byChat = await outageWithTraffic('busy', ['b1', 'b2', 'b3'], 600);
    await waitUntil(async () => (await Promise.all(['b1', 'b2', 'b3'].map(answersIn))).every((a) => a.length === 3), 20_000);
    await sleep(500);
    await expectAnsweredInOrder(byChat);
  }, 40_000);

  it('answers every message after requests hang past the request timeout', async () => {
    await startAgents(2, { extra: { modelOptions: { maxRetries: 0, timeoutMs: 300 } } });
    llm.setFault({ kind: 'hang', forMs: 2_500 });
    const byChat = await outageWithTraffic('hang', ['c1', 'c2', 'c3'], 600);
    await waitUntil(async () => (await Promise.all(['c1', 'c2', 'c3'].map(answersIn))).every((a) => a.length === 3), 20_000);
    await sleep(500);
    await expectAnsweredInOrder(byChat);
  }, 40_000);

  it('answers a rejected key (401) at once with the reason, and the next message normally', async () => {
    await startAgents(1);
    llm.setFault({ kind: 'status', status: 401, times: 1 });
    const first = text('d1', 'hello');
    const started = Date.now();
    await send(first);
    await waitUntil(async () => (await answersIn('d1')).length === 1, 5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await answersIn('d1'))[0]?.text).toBe('The model provider rejected the API key (401). Check providers.custom.apiKey in config.json.');
    await send(text('d1', 'again'));
    await waitUntil(async () => (await answersIn('d1')).length === 2, 5_000);
    expect((await answersIn('d1'))[1]?.text).toBe('echo: again');
    expect(await noticesIn('d1')).toEqual([]);
  });

  it('/stop drops the turn waiting for the model; the session goes on with its next message', async () => {
    await startAgents(2);
    llm.setFault({ kind: 'status', status: 503 });
    const waiting = text('e1', 'never mind');
    await send(waiting);
    await waitUntil(() => isParked('e1'), 5_000);
    const next = text('e1', 'the next one');
    await send(next, command('e1', 'stop'));
    await waitUntil(async () => (await sent('e1')).some((r) => r.text === replies.stopped(1)), 5_000);
    llm.clearFaults();
    await waitUntil(async () => (await answersIn('e1')).some((r) => r.inReplyTo === next.id && r.text === 'echo: the next one'), 10_000);
    await sleep(500);
    expect((await sent('e1')).filter((r) => r.inReplyTo === waiting.id)).toEqual([]);
  }, 30_000);

  it('after the window says so, parks the turns in the failed set, and nanobot retry answers them', async () => {
    await startAgents(1, { extra: { outage: { ...scaled, noticeAfterMs: 500, retryWindowMs: 2_000 } } });
    llm.setFault({ kind: 'status', status: 500 });
    const first = text('f1', 'first');
    const second = text('f1', 'second');
    await send(first, second);
    await waitUntil(async () => (await sent('f1')).filter((r) => r.id.includes('-gaveup-')).length === 2, 10_000);
    const told = await sent('f1');
    expect(told.map((r) => [r.inReplyTo, r.id.replace(/^.*-(notice|gaveup)-/, '$1-')])).toEqual([
      [first.id, 'notice-0'],
      [first.id, 'gaveup-0'],
      [second.id, 'gaveup-0'],
    ]);
    expect(told[1]?.text).toMatch(/^The model has not answered for \d seconds\. Your message is saved and will be answered after `nanobot retry tg-f1-\d+-parked-0`\.$/);
    await waitUntil(async () => (await listFailed(connection, 10)).length === 2, 5_000);
    const failed = await listFailed(connection, 10);
    expect(failed.map((f) => f.id).sort()).toEqual([`${first.id}-parked-0`, `${second.id}-parked-0`].sort());
    expect(failed[0]?.reason).toMatch(/the model did not answer for \d+ s \(LLM_UNAVAILABLE: custom answered 500 for test-model\); retry with: nanobot retry/);

    llm.clearFaults();
    const third = text('f1', 'third');
    await send(third);
    await waitUntil(async () => (await answersIn('f1')).length === 1, 10_000);
    await retryFailed(connection, `${first.id}-parked-0`);
    await retryFailed(connection, `${second.id}-parked-0`);
    await waitUntil(async () => (await answersIn('f1')).length === 3, 10_000);
    await sleep(500);
    const answers = await answersIn('f1');
    expect(answers.map((r) => [r.inReplyTo, r.text])).toEqual([
      [third.id, 'echo: third'],
      [first.id, 'echo: first'],
      [second.id, 'echo: second'],
    ]);
    expect(await listFailed(connection, 10)).toEqual([]);
  }, 40_000);

  it('sends the notice once when the agent fails right after queueing it, and then the answer once', async () => {
    let failOnce = true;
    const onSent = (reply: OutboundMessage) => {
      if (reply.text === replies.modelWaiting && failOnce) {
        failOnce = false;
        throw new Error('the agent dies right after queueing the notice');
      }
    };
    await startAgents(1, { extra: { onSent } });
    llm.setFault({ kind: 'status', status: 500, forMs: 3_000 });
    const message = text('g1', 'still there?');
    await send(message);
    await waitUntil(async () => (await answersIn('g1')).length === 1, 20_000);
    await sleep(500);
    expect(failOnce).toBe(false);
    expect((await noticesIn('g1')).map((r) => r.id)).toEqual([`${message.id}-notice-0`]);
    expect((await answersIn('g1')).map((r) => r.text)).toEqual(['echo: still there?']);
  }, 30_000);
});
