import type { Job } from 'bullmq';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bullPrefix, createLease, queueNames } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createChannelWorker, type ChannelWorker } from './create-channel-worker.js';
import { channelRestartDelay } from './restart-delay.js';

const log = createLogger({ name: 'channel-kit-int', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const leaseKey = 'kit-test:account';

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/** A channel whose connection is a promise that waits for the stop, and whose sender writes down what it sent. */
function startWorker(redisUrl: string, holder: string, sent: string[]): ChannelWorker {
  return createChannelWorker({
    name: 'discord', redisUrl, log, instance: holder, pid: process.pid, host: 'test',
    lease: { key: leaseKey, holder, what: 'test connection', ttlMs: 1_500, standbyRetryMs: 100 },
    livenessWindowMs: 60_000,
    restartDelayMs: channelRestartDelay(),
    setup: () => ({
      run: async (ctx: ChannelContext) => {
        ctx.reportAlive();
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      },
      send: async (job: Job) => {
        sent.push(`${holder}:${(job.data as { n: number }).n}`);
      },
    }),
  });
}

const roleOf = (worker: ChannelWorker) => worker.supervisor.state().extra.role;

describe('the channel kit against a real Redis', () => {
  let server: RedisServer;
  let redis: Redis;
  let outbound: Queue;
  const running: ChannelWorker[] = [];

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    outbound = new Queue(queueNames.outbound('discord'), { connection: redis, prefix: bullPrefix });
  });
  afterAll(async () => {
    await outbound.close();
    await redis.quit();
    await server.close();
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((worker) => worker.stop('test over')));
  });

  async function start(holder: string, sent: string[]): Promise<ChannelWorker> {
    const worker = startWorker(server.url, holder, sent);
    running.push(worker);
    await worker.start((err) => {
      throw err;
    });
    return worker;
  }

  it('keeps a second instance as a standby and lets it take over, replies included, when the holder stops', async () => {
    const sent: string[] = [];
    const first = await start('a', sent);
    await waitFor(() => roleOf(first) === 'active');
    const second = await start('b', sent);
    await waitFor(() => roleOf(second) === 'standby');
    await outbound.add('reply', { n: 1 });
    await waitFor(() => sent.length === 1);
    expect(sent).toEqual(['a:1']);

    running.splice(running.indexOf(first), 1);
    await first.stop('holder stops');
    await waitFor(() => roleOf(second) === 'active');
    await outbound.add('reply', { n: 2 });
    await waitFor(() => sent.length === 2);
    expect(sent).toEqual(['a:1', 'b:2']);
  });

  it('pauses the outbound worker when the lease is lost, and sends again once it holds the lease again', async () => {
    const sent: string[] = [];
    const worker = await start('a', sent);
    await waitFor(() => roleOf(worker) === 'active');
    // Another process takes the lease (as after this one was frozen past its TTL).
    await redis.del(`nb:lease:${leaseKey}`);
    const thief = createLease({ redis, name: leaseKey, holder: 'thief', ttlMs: 60_000 });
    expect(await thief.acquire()).toBe(true);
    await waitFor(() => roleOf(worker) === 'standby');

    await outbound.add('reply', { n: 1 });
    // Longer than the worker's hold poll and the standby's retry: a running worker would have taken it.
    await sleep(1_500);
    expect(sent).toEqual([]);
    expect(await outbound.getWaitingCount()).toBe(1);

    await thief.release();
    await waitFor(() => sent.length === 1);
    expect(sent).toEqual(['a:1']);
    expect(roleOf(worker)).toBe('active');
  });

  it('sends a reply a dead holder left in hand before any later reply', async () => {
    // A previous holder took reply 1 and died with it: it stays active until its lock expires.
    const dead = new Worker(queueNames.outbound('discord'), null, { connection: redis, prefix: bullPrefix, lockDuration: 1_000 });
    await outbound.add('reply', { n: 1 });
    expect(await dead.getNextJob('dead-token')).toBeDefined();
    await outbound.add('reply', { n: 2 });
    expect(await outbound.getActiveCount()).toBe(1);

    const sent: string[] = [];
    await start('a', sent);
    await waitFor(() => sent.length === 2, 30_000);
    expect(sent).toEqual(['a:1', 'a:2']);
    await dead.close(true);
  }, 40_000);
});
