import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, createRedis, queueNames } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import { createAgentWorker, type AgentWorker } from '../../apps/agent/src/create-agent-worker.js';
import { createSessionStore } from '../../apps/agent/src/session-store.js';
import { replies } from '../../apps/agent/src/replies.js';

const log = createLogger({ name: 'agent-int', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sessions = 20;
const perSession = 10;

describe('three agent instances sharing one Redis', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let workspace: string;
  let instances: AgentWorker[];
  let sendCount: Map<string, number>;
  const busyInstances = new Set<number>();
  const producer = () => createRedis({ url: redis.url, role: 'producer', log, name: 'test-producer' });

  beforeAll(async () => {
    redis = await startRedis();
    llm = await startFakeLlm();
    workspace = await mkdtemp(join(tmpdir(), 'nb-agent-int-'));
    sendCount = new Map();
    const config = parseConfig(
      { agents: { defaults: { workspace, provider: 'custom', model: 'test-model', maxConcurrentTurns: 8 } }, providers: { custom: { apiBase: llm.baseUrl } } },
      { env: {}, homeDir: tmpdir(), nanobotHome: tmpdir(), source: 'test' },
    ).config;
    instances = [0, 1, 2].map((n) =>
      createAgentWorker({
        config,
        nanobotHome: workspace,
        redisUrl: redis.url,
        log,
        env: {},
        runtime: 'test',
        timeZone: 'UTC',
        startedAt: Date.now(),
        onSent: (reply) => {
          busyInstances.add(n);
          sendCount.set(reply.id, (sendCount.get(reply.id) ?? 0) + 1);
        },
      }),
    );
    await Promise.all(instances.map((i) => i.start()));
  });

  afterAll(async () => {
    await Promise.all((instances ?? []).map((i) => i.stop()));
    await llm?.close();
    await redis?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  let seq = 0;
  const message = (round: string, chat: number, index: number): InboundMessage => {
    seq += 1;
    const chatId = `${round}${chat}`;
    return { kind: 'message', id: `tg-${chatId}-${index}`, channel: 'telegram', chatId, senderId: chatId, sessionKey: `telegram:${chatId}`, seq, receivedAt: Date.now(), text: `${chatId}#${index}`, media: [] };
  };

  async function waitForReplies(count: number, timeoutMs = 60_000): Promise<OutboundMessage[]> {
    const connection = producer();
    const queue = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const jobs = await queue.getJobs(['wait', 'active', 'completed', 'delayed']);
        if (jobs.length >= count || Date.now() > deadline) return jobs.map((j) => j.data as OutboundMessage);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await queue.close();
      await connection.quit();
    }
  }

  /** The ids a chat's replies answer, in the order the replies were queued for sending. */
  async function replyOrderIn(chatId: string): Promise<string[]> {
    const connection = producer();
    const queue = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
    try {
      const jobs = (await queue.getJobs(['wait', 'active', 'completed', 'delayed'])).filter((j) => (j.data as OutboundMessage).chatId === chatId);
      return jobs.sort((a, b) => a.timestamp - b.timestamp).map((j) => (j.data as OutboundMessage).inReplyTo);
    } finally {
      await queue.close();
      await connection.quit();
    }
  }

  async function send(messages: InboundMessage[]): Promise<void> {
    const connection = producer();
    const queues = createQueues(connection, log);
    for (const m of messages) await queues.addInbound(m);
    await queues.close();
    await connection.quit();
  }

  const userTurnsIn = async (sessionKey: string) =>
    (await createSessionStore(workspace).readAll(sessionKey)).filter((e) => e.role === 'user').map((e) => e.content);

  it('answers 20 sessions × 10 messages in order per session, exactly once each', async () => {
    llm.setLatency({ minMs: 5, maxMs: 80 });
    const all: InboundMessage[] = [];
    for (let index = 0; index < perSession; index += 1) for (let chat = 0; chat < sessions; chat += 1) all.push(message('a', chat, index));
    await send(all);
    const got = await waitForReplies(all.length);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would show up now
    const final = await waitForReplies(all.length, 0);
    expect(final).toHaveLength(all.length);
    expect(got.length).toBe(all.length);
    for (const m of all) expect(sendCount.get(`${m.id}-reply`), m.id).toBe(1);
    const byId = new Map(final.map((r) => [r.inReplyTo, r.text]));
    for (const m of all) expect(byId.get(m.id)).toBe(`echo: ${(m as { text: string }).text}`);
    for (let chat = 0; chat < sessions; chat += 1) {
      const expected = Array.from({ length: perSession }, (_, i) => `a${chat}#${i}`);
      expect(await userTurnsIn(`telegram:a${chat}`)).toEqual(expected);
      expect(await replyOrderIn(`a${chat}`)).toEqual(Array.from({ length: perSession }, (_, i) => `tg-a${chat}-${i}`));
    }
    expect([...busyInstances].sort()).toEqual([0, 1, 2]);
  });

  it('lets messages sent mid-turn join the running turn, still one reply each and in order', async () => {
    // Every turn starts with a tool call, so there is a tool iteration to join.
    llm.setLatency({ minMs: 20, maxMs: 120 });
    llm.setResponder((request) => {
      const messages = (request.body as { messages: Array<{ role: string }> }).messages;
      return messages.at(-1)?.role === 'user' ? { toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] } : { content: 'done' };
    });
    const before = (await waitForReplies(0, 0)).length;
    const first = Array.from({ length: sessions }, (_, chat) => message('b', chat, 0));
    await send(first);
    const deadline = Date.now() + 10_000;
    while (llm.inFlight() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const later: InboundMessage[] = [];
    for (let index = 1; index < perSession; index += 1) for (let chat = 0; chat < sessions; chat += 1) later.push(message('b', chat, index));
    await send(later);
    const all = [...first, ...later];
    await waitForReplies(before + all.length);
    await new Promise((r) => setTimeout(r, 500));
    const replyTexts = new Map((await waitForReplies(0, 0)).map((r) => [r.inReplyTo, r.text]));
    for (const m of all) {
      expect(sendCount.get(`${m.id}-reply`), m.id).toBe(1);
      expect(['done', replies.joined]).toContain(replyTexts.get(m.id));
    }
    const joined = all.filter((m) => replyTexts.get(m.id) === replies.joined);
    expect(joined.length).toBeGreaterThan(0);
    for (let chat = 0; chat < sessions; chat += 1) {
      expect(await userTurnsIn(`telegram:b${chat}`)).toEqual(Array.from({ length: perSession }, (_, i) => `b${chat}#${i}`));
    }
  });
});
