import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createQueues } from './create-queues.js';

const message = (seq: number) => ({ kind: 'message' as const, id: `tg-1-${seq}`, channel: 'telegram' as const, chatId: '9', senderId: '9', sessionKey: 'telegram:9', seq, receivedAt: seq, text: 'hi', media: [] });

async function replicaInSync(replica: Redis): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await replica.info('replication')).includes('master_link_status:up')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the replica never caught up');
}

describe('addInbound with waitReplicas', () => {
  let primary: RedisServer;
  let replica: RedisServer | undefined;
  let redis: Redis;
  const log = createLogger({ name: 'wait-replicas-test', level: 'silent' });

  beforeAll(async () => {
    primary = await startRedis({ appendonly: false });
    redis = new Redis(primary.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis.quit();
    await replica?.close();
    await primary.close();
  });

  it('refuses a message no replica holds, and accepts the same message once a replica has it', async () => {
    const queues = createQueues(redis, log, { waitReplicas: 1, waitTimeoutMs: 200 });
    await expect(queues.addInbound(message(1))).rejects.toThrow(/reached 0 of 1 replicas/);

    replica = await startRedis({ appendonly: false, extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const replicaClient = new Redis(replica.url);
    await replicaInSync(replicaClient);
    await expect(queues.addInbound(message(1))).resolves.toBeDefined();
    // The job's hash is on the replica, as WAIT promised.
    expect((await replicaClient.keys('*inbound*tg-1-1')).length).toBeGreaterThan(0);
    await replicaClient.quit();
    await queues.close();
  }, 60_000);

  it('does not wait when waitReplicas is 0', async () => {
    const queues = createQueues(redis, log);
    await expect(queues.addInbound(message(2))).resolves.toBeDefined();
    await queues.close();
  });
});
