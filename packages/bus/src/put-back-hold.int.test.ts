import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createPutBackHold } from './put-back-hold.js';
import { bullPrefix } from './queue-names.js';

const log = createLogger({ name: 'put-back-hold-test', level: 'silent' });
const manualHold = Number.MAX_SAFE_INTEGER; // getRateLimitTtl: only a manual hold counts
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the put-back hold of an outbound queue', () => {
  let server: RedisServer;
  let redis: Redis;
  let queue: Queue;
  let dead: Worker;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queue = new Queue('outbound-hold-test', { connection: redis, prefix: bullPrefix });
    // A sender that took a reply and died with it: the reply stays active (an orphan).
    dead = new Worker('outbound-hold-test', null, { connection: redis, prefix: bullPrefix });
  });
  afterAll(async () => {
    await dead.close(true);
    await queue.close();
    await redis.quit();
    await server.close();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  const createHold = (orphanWaitMs: number) =>
    createPutBackHold({ queue, rateLimit: (ms) => queue.rateLimit(ms), log, orphanWaitMs });

  async function leaveAnOrphan(): Promise<void> {
    await queue.add('reply', { n: 1 }, { jobId: `orphan-${Date.now()}` });
    expect(await dead.getNextJob('dead-token')).toBeDefined();
    expect(await queue.getActiveCount()).toBe(1);
  }

  it('waits out a 429 taken during the orphan wait in full instead of lifting it with the wait', async () => {
    await leaveAnOrphan();
    const hold = createHold(600);
    let started = false;
    const waiting = hold.startAfterOrphans(() => (started = true));
    await sleep(100);
    await hold.hold(3_000, 'rate-limit');
    await waiting;
    expect(started).toBe(true);
    expect(await queue.getRateLimitTtl(manualHold)).toBeGreaterThan(2_000);
  });

  it('keeps a hold the previous sender left (maybe a 429): neither shortened by the wait nor lifted after it', async () => {
    await queue.rateLimit(5_000);
    await leaveAnOrphan();
    await createHold(300).startAfterOrphans(() => undefined);
    expect(await queue.getRateLimitTtl(manualHold)).toBeGreaterThan(4_000);
  });

  it('keeps a 429 of its own taken before the wait, and lifts nothing of it when the channel is back', async () => {
    const hold = createHold(300);
    await hold.hold(4_000, 'rate-limit');
    await hold.hold(200, 'outage'); // a later outage put-back must not shorten the 429
    expect(await queue.getRateLimitTtl(manualHold)).toBeGreaterThan(3_000);
    hold.channelBack();
    await leaveAnOrphan();
    await hold.startAfterOrphans(() => undefined);
    expect(await queue.getRateLimitTtl(manualHold)).toBeGreaterThan(3_000);
  });

  it('lifts its own hold as soon as the orphan is put back when no 429 is pending', async () => {
    await leaveAnOrphan();
    const waiting = createHold(10_000).startAfterOrphans(() => undefined);
    await sleep(300);
    expect(await queue.getRateLimitTtl(manualHold)).toBeGreaterThan(5_000);
    const [orphan] = await queue.getActive();
    await orphan!.moveToWait('dead-token');
    await waiting;
    expect(await queue.getRateLimitTtl(manualHold)).toBe(0);
  });
});
