import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '@nanobot/core';
import { createRedis } from '@nanobot/bus';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import type { Redis } from 'ioredis';
import { createToolAgent, silentLog } from '../test-support/tool-agent.js';
import { createRedisToolJournal } from '../tools/tool-call-journal.js';
import { createSubagentProcessor } from './run-subagent-job.js';
import { createSubagentQueue } from './subagent-queue.js';
import { announceId, shortSubagentId, subagentJobId, toLabel, type SubagentJob } from './subagent-job.js';

const job = (n: number): SubagentJob => ({
  jobId: subagentJobId(`tg-1-${n}-1-0`),
  task: 'Count the files',
  label: 'counter',
  origin: { channel: 'telegram', chatId: '42', sessionKey: 'telegram:42', turnId: `tg-1-${n}` },
});

describe('subagent ids and labels', () => {
  it('derives every id from the spawn call, so a re-run maps to the same job and the same announcement', () => {
    expect(subagentJobId('tg-1-5-2-0')).toBe(subagentJobId('tg-1-5-2-0'));
    expect(subagentJobId('tg_1:5-2-0')).not.toContain(':');
    expect(shortSubagentId(subagentJobId('a'))).toMatch(/^[0-9a-f]{8}$/);
    expect(announceId('sub-x')).toBe('sub-x-result');
    expect(toLabel('a'.repeat(40), undefined)).toBe(`${'a'.repeat(30)}...`);
    expect(toLabel('short task', '  ')).toBe('short task');
    expect(toLabel('short task', 'mine')).toBe('mine');
  });
});

describe('/stop for subagents that have not started yet', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let producer: Redis;
  let subscriber: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    llm = await startFakeLlm();
    producer = createRedis({ url: redis.url, role: 'producer', log: silentLog, name: 'test' });
    subscriber = createRedis({ url: redis.url, role: 'worker', log: silentLog, name: 'test-sub' });
  });
  afterAll(async () => {
    await producer?.quit();
    await subscriber?.quit();
    await llm?.close();
    await redis?.close();
  });

  it('marks a queued subagent cancelled: when an agent takes it, it ends without a model call or an announcement', async () => {
    const subagents = createSubagentQueue({ producer, subscriber, log: silentLog });
    await subagents.control.start();
    const queued = job(1);
    await subagents.start(queued);
    await subagents.start(queued); // the same spawn call again: still one job
    expect(await subagents.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect(await subagents.control.stop('telegram:42')).toBe(1);
    expect(await subagents.control.stop('telegram:43')).toBe(0);

    const { agent } = await createToolAgent(llm);
    const announced: InboundMessage[] = [];
    const process = createSubagentProcessor({
      model: agent.model,
      tools: agent.subagentTools,
      journal: createRedisToolJournal(producer),
      control: subagents.control,
      announce: async (m) => void announced.push(m),
      shutdown: new AbortController().signal,
      workspace: '/tmp',
      timeZone: 'UTC',
      now: () => new Date(),
      log: silentLog,
    });
    const bullJob = (await subagents.queue.getJob(queued.jobId)) as Job;
    expect(await process(bullJob)).toBe('cancelled');
    expect(llm.requests()).toHaveLength(0);
    expect(announced).toEqual([]);
    // Finished: the session has nothing left for /stop.
    expect(await subagents.control.stop('telegram:42')).toBe(0);
    await subagents.queue.close();
  });
});
