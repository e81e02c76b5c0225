import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createLockRescue } from './lock-rescue.js';

const log = createLogger({ name: 'rescue-test', level: 'silent' });

describe('lock rescue', () => {
  let server: RedisServer;
  let redis: Redis;
  let queue: Queue;
  let worker: Worker;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queue = new Queue('rescue', { connection: redis, prefix: 'nb' });
    // A worker taken by hand: a job it fetches is active under the lock token we give it.
    worker = new Worker('rescue', null, { connection: redis.duplicate(), prefix: 'nb', autorun: false, lockDuration: 60_000 });
  });
  afterAll(async () => {
    await worker.close();
    await queue.close();
    await redis.quit();
    await server.close();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  const lockKey = (id: string) => `nb:rescue:${id}:lock`;
  async function activeJob(token: string): Promise<string> {
    const job = await queue.add('turn', { n: 1 });
    const fetched = await worker.getNextJob(token, { block: false });
    expect(fetched?.id).toBe(job.id);
    return String(job.id);
  }
  const rescue = () => createLockRescue({ redis, queue, lockDurationMs: 5_000, log });

  it('puts back the lock of an active job that expired while its holder lives, and takes it off the stalled set', async () => {
    const id = await activeJob('holder:1');
    const orphan = await activeJob('dead-holder:1');
    // Redis was frozen past the locks, and a stalled check marked the jobs before the freeze.
    await redis.del(lockKey(id), lockKey(orphan));
    await redis.sadd('nb:rescue:stalled', id, orphan);
    expect(await rescue().rescue([{ jobId: id, token: 'holder:1' }])).toEqual([id]);
    expect(await redis.get(lockKey(id))).toBe('holder:1');
    const ttl = await redis.pttl(lockKey(id));
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
    expect(await redis.sismember('nb:rescue:stalled', id)).toBe(0);
    // BullMQ's stalled check now leaves it where it is, and moves the job nobody rescued.
    await (worker as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait();
    expect(await queue.getJobState(id)).toBe('active');
    expect(await queue.getJobState(orphan)).toBe('waiting');
  });

  it('never touches a lock another token holds, nor one that is still its own', async () => {
    const taken = await activeJob('holder:1');
    await redis.set(lockKey(taken), 'other-worker:4', 'PX', 60_000);
    const own = await activeJob('holder:2');
    await redis.sadd('nb:rescue:stalled', taken, own);
    expect(await rescue().rescue([{ jobId: taken, token: 'holder:1' }, { jobId: own, token: 'holder:2' }])).toEqual([]);
    expect(await redis.get(lockKey(taken))).toBe('other-worker:4');
    expect(await redis.pttl(lockKey(own))).toBeGreaterThan(50_000);
    expect(await redis.smembers('nb:rescue:stalled')).toEqual(expect.arrayContaining([taken, own]));
  });

  it('never gives a lock to a job that is no longer active (moved back to wait, or finished)', async () => {
    const finished = await activeJob('holder:2');
    await (await queue.getJob(finished))?.moveToCompleted('done', 'holder:2', false);
    const moved = await activeJob('holder:1');
    await (await queue.getJob(moved))?.moveToWait('holder:1');
    expect(await rescue().rescue([{ jobId: moved, token: 'holder:1' }, { jobId: finished, token: 'holder:2' }])).toEqual([]);
    expect(await redis.exists(lockKey(moved), lockKey(finished))).toBe(0);
    expect(await queue.getJobState(moved)).toBe('waiting');
    expect(await queue.getJobState(finished)).toBe('completed');
  });
});
