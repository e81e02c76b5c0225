import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { createLockRescue } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createJobFence } from './job-fence.js';
import { createMemoryToolJournal } from './tools/tool-call-journal.js';

describe('job fence', () => {
  let server: RedisServer;
  let redis: Redis;
  let queue: Queue;
  let worker: Worker;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queue = new Queue('fence', { connection: redis, prefix: 'nb' });
    worker = new Worker('fence', null, { connection: redis.duplicate(), prefix: 'nb', autorun: false, lockDuration: 60_000 });
  });
  afterAll(async () => {
    await worker.close();
    await queue.close();
    await redis.quit();
    await server.close();
  });

  it('lets a job that still holds its lock act, and stops one whose lock was taken over', async () => {
    const rescue = createLockRescue({ redis, queue, lockDurationMs: 60_000, log: createLogger({ name: 'fence-test', level: 'silent' }) });
    const fence = createJobFence(redis, queue, rescue);
    await queue.add('turn', {});
    const job = await worker.getNextJob('worker-a:1', { block: false });
    if (job === undefined) throw new Error('no job');
    const journal = fence.journal(createMemoryToolJournal());
    await fence.run(job, 'worker-a:1', async () => {
      expect(fence.held()).toEqual([{ jobId: job.id, token: 'worker-a:1' }]);
      await fence.check();
      await journal.recordStep('t1', 1, { text: '', calls: [] });
      // Another agent took the job back while this one was frozen.
      await redis.set(`nb:fence:${String(job.id)}:lock`, 'worker-b:4', 'PX', 60_000);
      await expect(fence.check()).rejects.toMatchObject({ code: 'LEASE_LOST' });
      await expect(journal.recordStart('t1', 1, 0, { name: 'exec', argumentsJson: '{}' })).rejects.toMatchObject({ code: 'LEASE_LOST' });
      // No lock at all but the job still active: Redis was frozen past the lock; it is won back.
      await redis.del(`nb:fence:${String(job.id)}:lock`);
      await fence.check();
      expect(await redis.get(`nb:fence:${String(job.id)}:lock`)).toBe('worker-a:1');
      // Moved back to wait (the dead-worker sweep or the stalled check): no lock, and none to win back.
      await job.moveToWait('worker-a:1');
      await expect(fence.check()).rejects.toMatchObject({ code: 'LEASE_LOST' });
    });
    expect(fence.held()).toEqual([]);
    expect((await journal.load('t1')).started.size).toBe(0);
    // Outside a job (a command answered in the terminal, memory consolidation) there is nothing to check.
    await fence.check();
  });
});
