import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, createRedis, writeStatus } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { countInboundWorkers, createClusterReader } from './read-cluster-state.js';

const log = createLogger({ name: 'test', level: 'silent' });
const message = (n: number) => ({ kind: 'message' as const, id: `tg-1-${n}`, channel: 'telegram' as const, chatId: '7', senderId: '7', sessionKey: `telegram:${n}`, seq: n, receivedAt: n, text: 'hi', media: [] });

describe('createClusterReader', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });

  it('reads statuses, queue counts with the oldest waiting job, Redis persistence, and the agents consuming', async () => {
    const queues = createQueues(redis, log);
    await queues.addInbound(message(1));
    await new Promise((r) => setTimeout(r, 20));
    await queues.addInbound(message(2));
    const first = await queues.inbound.getJob('tg-1-1');
    await writeStatus(redis, { app: 'nanobot-telegram', instance: '0', pid: 5, host: 'h', updatedAt: 1, channels: { telegram: { state: 'running' } } }, 10_000);
    const reader = createClusterReader(redis);

    const state = await reader.read();
    expect(state.statuses.map((s) => s.app)).toEqual(['nanobot-telegram']);
    expect(state.queues[0]).toMatchObject({ name: 'inbound', waiting: 2, active: 0, failed: 0, oldestWaitingAt: first?.timestamp });
    expect(state.queues[1]).toMatchObject({ name: 'outbound-telegram', waiting: 0, oldestWaitingAt: null });
    expect(state.redis).toMatchObject({ aofEnabled: true, maxmemoryPolicy: 'noeviction' });
    expect(state.inboundWorkers).toBe(0);

    // The agent names its connection; BullMQ still finds its worker on `inbound`.
    const connection = createRedis({ url: server.url, role: 'worker', log, name: 'agent-worker' });
    const worker = new Worker('inbound', async () => new Promise(() => undefined), { connection, prefix: bullPrefix, autorun: false });
    void worker.run();
    await expect.poll(async () => (await reader.read()).inboundWorkers, { timeout: 5_000 }).toBe(1);
    expect(await countInboundWorkers(redis)).toBe(1);
    await worker.close(true);
    await connection.quit();
    await expect.poll(() => countInboundWorkers(redis), { timeout: 5_000 }).toBe(0);
    await reader.close();
    await queues.close();
  });
});
