import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import { toJobId, type InboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, createRedis, inboundJobOptions, jobNames, queueNames, type Queues } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import { createAgentWorker, type AgentWorker } from '../../apps/agent/src/create-agent-worker.js';

const log = createLogger({ name: 'agent-ingress', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * Jobs are not run in arrival order: with several agents, after a job was re-run
 * because its agent died, or after a Redis outage failed it into a retry. The order of
 * a session's turns must come from arrival, which the channel records when it adds the
 * message. Here the agent's processor is handed the jobs in the wrong order on purpose.
 */
describe('turn order follows arrival, not the order jobs run in', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let workspace: string;
  let agent: AgentWorker;
  let queues: Queues;
  let inbound: Queue;
  const producer = () => createRedis({ url: redis.url, role: 'producer', log, name: 'test-producer' });
  const sent: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    llm = await startFakeLlm();
    workspace = await mkdtemp(join(tmpdir(), 'nb-agent-ingress-'));
    const config = parseConfig(
      { agents: { defaults: { workspace, provider: 'custom', model: 'test-model' } }, providers: { custom: { apiBase: llm.baseUrl } } },
      { env: {}, homeDir: tmpdir(), nanobotHome: tmpdir(), source: 'test' },
    ).config;
    // Not started: no worker takes jobs from the queue, the test hands them to the processor.
    agent = createAgentWorker({
      config, nanobotHome: workspace, redisUrl: redis.url, log, env: {}, runtime: 'test', timeZone: 'UTC', startedAt: Date.now(),
      onSent: (reply) => sent.push(reply.inReplyTo),
    });
    queues = createQueues(producer(), log);
    inbound = new Queue(queueNames.inbound, { connection: producer(), prefix: bullPrefix });
  });

  afterAll(async () => {
    await agent?.stop();
    await queues?.close();
    await inbound?.close();
    await llm?.close();
    await redis?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  const message = (chat: string, index: number, seq: number): InboundMessage => ({
    kind: 'message', id: `wa-${chat}/M${index}`, channel: 'whatsapp', chatId: chat, senderId: chat, sessionKey: `whatsapp:${chat}`,
    seq, receivedAt: Date.now(), text: `${chat}#${index}`, media: [],
  });
  const run = async (m: InboundMessage) => {
    const job = await inbound.getJob(toJobId(m.id));
    if (job === undefined) throw new Error(`no job ${m.id}`);
    return (agent.processor as (job: Job) => Promise<string>)(job);
  };

  it('answers a message whose job runs late before the message that came after it', async () => {
    const chat = '4915170000001@s.whatsapp.net';
    const [first, second] = [message(chat, 34, 1_000), message(chat, 35, 1_001)];
    await queues.addInbound(first);
    await queues.addInbound(second);

    // The later message's job runs first (the earlier one is still with an agent that died).
    expect(await run(second)).toBe('drained');
    expect(sent).toEqual([first.id, second.id]);
    // The earlier job runs at last: its message was answered already, nothing is sent again.
    expect(await run(first)).toBe('drained');
    expect(sent).toEqual([first.id, second.id]);
    expect(llm.requests().length).toBe(2);
  });

  it('still answers a job that never went through a channel (replayed from the failed set), once', async () => {
    const chat = '4915170000002@s.whatsapp.net';
    const replayed = message(chat, 1, 2_000);
    await inbound.add(jobNames.inbound, replayed, inboundJobOptions(toJobId(replayed.id)));
    expect(await run(replayed)).toBe('drained');
    expect(await run(replayed)).toBe('drained');
    expect(sent.filter((id) => id === replayed.id)).toHaveLength(1);
  });
});
