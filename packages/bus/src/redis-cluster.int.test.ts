import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { toRedisConnectionString } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startRedisCluster, type RedisClusterSetup } from '@nanobot/testkit';
import { homeNodeOf, primariesOf } from './cluster-nodes.js';
import { createQueues } from './create-queues.js';
import { createMemoryHeadroom } from './memory-headroom.js';
import { createRedis } from './redis-connection.js';
import { currentKeyspace, keyPrefix, useKeyspace } from './queue-names.js';
import { readStatuses, writeStatus } from './status-store.js';

const message = (seq: number) => ({ kind: 'message' as const, id: `tg-1-${seq}`, channel: 'telegram' as const, chatId: '9', senderId: '9', sessionKey: 'telegram:9', seq, receivedAt: seq, text: 'hi', media: [] });

/**
 * The bus on a 3-primary Redis Cluster: the connection string's `cluster` nodes make a Cluster
 * client, switch the process to the `{nb}` keyspace, and the commands about a server (SCAN, INFO,
 * WAIT) go to the primary that holds our keys instead of a random one.
 */
describe('the bus on a Redis Cluster', () => {
  let setup: RedisClusterSetup;
  let redis: Redis;
  const log = createLogger({ name: 'redis-cluster-test', level: 'silent' });
  const connection = (waitReplicas = 0) =>
    toRedisConnectionString({ url: `redis://127.0.0.1:${setup.nodes[0]?.port ?? 0}`, cluster: { nodes: setup.nodes }, waitReplicas, waitTimeoutMs: 200 });

  beforeAll(async () => {
    setup = await startRedisCluster();
    redis = createRedis({ url: connection(), role: 'producer', log, name: 'cluster-test' });
    await new Promise((resolve) => redis.once('ready', resolve));
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await setup?.close();
    useKeyspace('plain');
  });

  it('switches the process to the {nb} keyspace and finds the primary of its slot', async () => {
    expect(currentKeyspace()).toBe('cluster');
    expect(keyPrefix).toBe('{nb}:');
    const home = await homeNodeOf(redis);
    const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', '{nb}:anything'));
    // Asked directly (not through the cluster client), the home node owns the slot of our keys.
    const direct = new Redis({ host: home.options.host ?? '', port: home.options.port ?? 0, maxRetriesPerRequest: 1 });
    try {
      const ranges = (await direct.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      const mine = ranges.find(([from, to]) => slot >= from && slot <= to);
      expect(mine?.[2][1]).toBe(home.options.port);
    } finally {
      direct.disconnect();
    }
    expect(primariesOf(redis)).toHaveLength(3);
  });

  it('reads every status record back, whichever node the cluster client would have scanned', async () => {
    for (let i = 0; i < 5; i += 1) {
      await writeStatus(redis, { app: 'nanobot-agent', instance: String(i), pid: 100 + i, host: 'host-a', updatedAt: Date.now(), channels: {} }, 60_000);
    }
    // Ten reads: SCAN sent to a random node would miss them two times in three.
    for (let i = 0; i < 10; i += 1) expect((await readStatuses(redis)).map((s) => s.instance)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('adds an inbound message (BullMQ scripts and our mailbox in one slot), and WAIT asks the home node', async () => {
    const queues = createQueues(redis, log);
    await expect(queues.addInbound(message(1))).resolves.toBeDefined();
    await queues.close();
    const waiting = createRedis({ url: connection(1), role: 'producer', log, name: 'cluster-wait' });
    const strict = createQueues(waiting, log);
    // No replicas in this cluster: WAIT on the home node answers 0, so the add is refused.
    await expect(strict.addInbound(message(2))).rejects.toThrow(/reached 0 of 1 replicas/);
    await strict.close();
    waiting.disconnect();
  });

  it('reads memory from the home node', async () => {
    const home = await homeNodeOf(redis);
    const used = Number(/used_memory:(\d+)/.exec(await home.info('memory'))?.[1]);
    // Just above what the node uses: past the 90% mark on the home node only.
    await home.config('SET', 'maxmemory', String(Math.ceil(used * 1.02)));
    try {
      await expect(createMemoryHeadroom(redis).admit()).rejects.toThrow(/OOM inbound held/);
    } finally {
      await home.config('SET', 'maxmemory', '0');
    }
  });
});
