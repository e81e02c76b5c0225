import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createDeadWorkerSweeper } from './dead-worker-sweep.js';
import { createWorkerLiveness, livenessKeys } from './worker-liveness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createLogger({ name: 'sweep-test', level: 'silent' });

describe('dead worker sweeper', () => {
  let server: RedisServer;
  let redis: Redis;
  let queue: Queue;
  let worker: Worker;
  const self = 'sweeper-self';
  const liveness = () => createWorkerLiveness({ redis, workerId: self, ttlMs: 60_000, refreshMs: 60_000, onError: () => undefined });

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queue = new Queue('sweep', { connection: redis, prefix: 'nb' });
    // A worker taken by hand: a job it fetches is active under the lock token we give it.
    worker = new Worker('sweep', null, { connection: redis.duplicate(), prefix: 'nb', autorun: false, lockDuration: 60_000 });
  });
  afterAll(async () => {
    await worker.close();
    await queue.close();
    await redis.quit();
    await server.close();
  });
  beforeEach(async () => {
    await redis.flushall();
    await liveness().start();
  });

  /** A job made active by `workerId` (lock token `<workerId>:1`), that worker's key given `ttlMs`. */
  async function activeJobOf(workerId: string, options: { ttlMs?: number; registered?: boolean } = {}): Promise<string> {
    const job = await queue.add('turn', { n: 1 });
    if (options.registered !== false) await redis.zadd(livenessKeys.registry(), Date.now(), workerId);
    if (options.ttlMs !== undefined) await redis.set(livenessKeys.alive(workerId), '1', 'PX', options.ttlMs);
    const fetched = await worker.getNextJob(`${workerId}:1`, { block: false });
    expect(fetched?.id).toBe(job.id);
    return String(job.id);
  }

  const sweeper = (confirmMs = 200) => createDeadWorkerSweeper({ redis, queue, self, log, confirmMs });

  it('moves a dead worker\'s job back to wait once its key stays missing for confirmMs, and frees its lock', async () => {
    const id = await activeJobOf('dead-worker', { ttlMs: 100 });
    const s = sweeper();
    expect(await s.sweep()).toEqual([]);
    await sleep(150);
    // Missing now, but not yet for confirmMs.
    expect(await s.sweep()).toEqual([]);
    await sleep(250);
    expect(await s.sweep()).toEqual([id]);
    expect(await queue.getJobState(id)).toBe('waiting');
    expect(await redis.exists(`nb:sweep:${id}:lock`)).toBe(0);
    // Nothing more to do: the job is no longer active under that token.
    expect(await s.sweep()).toEqual([]);
  });

  it('never touches a job of a live worker, of a worker that never registered, or any while its own key is missing', async () => {
    const live = await activeJobOf('live-worker', { ttlMs: 60_000 });
    const old = await activeJobOf('older-version', { registered: false });
    const s = sweeper(100);
    for (let i = 0; i < 3; i += 1) {
      expect(await s.sweep()).toEqual([]);
      await sleep(120);
    }
    // The sweeper's own key gone (Redis was frozen and every key expired at once): it judges nobody.
    await redis.del(livenessKeys.alive('live-worker'), livenessKeys.alive(self));
    for (let i = 0; i < 3; i += 1) {
      expect(await s.sweep()).toEqual([]);
      await sleep(120);
    }
    expect(await queue.getJobState(live)).toBe('active');
    expect(await queue.getJobState(old)).toBe('active');
  });

  it('leaves a job whose lock was renewed under another token (the stalled check or a new holder took it)', async () => {
    const id = await activeJobOf('frozen-worker', { ttlMs: 50 });
    const s = sweeper(100);
    await sleep(80);
    expect(await s.sweep()).toEqual([]);
    await sleep(150);
    await redis.set(`nb:sweep:${id}:lock`, 'someone-else:7', 'PX', 60_000);
    expect(await s.sweep()).toEqual([]);
    expect(await queue.getJobState(id)).toBe('active');
  });

  it('a worker whose key comes back within confirmMs is not judged dead', async () => {
    const id = await activeJobOf('slow-refresher', { ttlMs: 50 });
    const s = sweeper(300);
    await sleep(80);
    expect(await s.sweep()).toEqual([]);
    await redis.set(livenessKeys.alive('slow-refresher'), '1', 'PX', 60_000);
    await sleep(350);
    expect(await s.sweep()).toEqual([]);
    expect(await queue.getJobState(id)).toBe('active');
  });

  it('runs BullMQ\'s stalled check only after a settle period of prompt answers, never right after Redis was frozen', async () => {
    const orphan = await activeJobOf('gone-worker');
    // Its lock expired (no holder wins it back), and an earlier stalled check marked it.
    await redis.del(`nb:sweep:${orphan}:lock`);
    await redis.sadd('nb:sweep:stalled', orphan);
    let checks = 0;
    const check = async () => {
      checks += 1;
      await (worker as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait();
    };
    const s = createDeadWorkerSweeper({ redis, queue, self, log, maxReadMs: 150, stalled: { check, intervalMs: 0, settleMs: 300 } });
    s.start();
    await s.stop();
    // Just started: nothing seen yet.
    await s.sweep();
    expect(checks).toBe(0);
    await sleep(320);
    // Redis frozen during a sweep: that read is slow, and the settle period starts again.
    const pid = server.pid();
    if (pid === undefined) throw new Error('redis-server has no pid');
    process.kill(pid, 'SIGSTOP');
    const frozen = s.sweep();
    await sleep(300);
    process.kill(pid, 'SIGCONT');
    await frozen;
    await s.sweep();
    expect(checks).toBe(0);
    expect(await queue.getJobState(orphan)).toBe('active');
    await sleep(320);
    await s.sweep();
    expect(checks).toBe(1);
    expect(await queue.getJobState(orphan)).toBe('waiting');
  });
});
