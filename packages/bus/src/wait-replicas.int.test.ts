import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { toRedisConnectionString } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startRedis, waitForReplicas, type RedisServer } from '@nanobot/testkit';
import { createQueues } from './create-queues.js';
import { createRedis } from './redis-connection.js';
import { bullPrefix, queueNames } from './queue-names.js';

const message = (seq: number) => ({ kind: 'message' as const, id: `tg-1-${seq}`, channel: 'telegram' as const, chatId: '9', senderId: '9', sessionKey: 'telegram:9', seq, receivedAt: seq, text: 'hi', media: [] });

const jobKey = (seq: number) => `${bullPrefix}:${queueNames.inbound}:tg-1-${seq}`;

/*
 * WAIT returns as soon as enough replicas acknowledged, so a test that expects it to succeed
 * gives it a long timeout (it bounds only a broken run), and one that expects it to fail makes
 * that certain (no replica, or a replica stopped with SIGSTOP) and needs only a short one. An
 * earlier version waited 200 ms for a replica that had just reported its link up, which a loaded
 * machine did not always manage: that measured the machine, not the product.
 */
describe('addInbound with waitReplicas', () => {
  let primary: RedisServer;
  let replica: RedisServer | undefined;
  let admin: Redis;
  let replicaClient: Redis | undefined;
  const log = createLogger({ name: 'wait-replicas-test', level: 'silent' });
  const queuesWaiting = (waitTimeoutMs: number) => {
    const url = toRedisConnectionString({ url: primary.url, waitReplicas: 1, waitTimeoutMs });
    const connection = createRedis({ url, role: 'producer', log, name: 'wait-test' });
    const queues = createQueues(connection, log);
    return { queues, close: async () => (await queues.close(), await connection.quit()) };
  };

  beforeAll(async () => {
    primary = await startRedis({ appendonly: false, extraArgs: ['--repl-diskless-sync-delay', '0'] });
    admin = new Redis(primary.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    replicaClient?.disconnect();
    admin.disconnect();
    const pid = replica?.pid();
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    await replica?.close();
    await primary.close();
  });

  it('refuses a message no replica holds, and accepts the same message once a replica has it', async () => {
    const refusing = queuesWaiting(200);
    await expect(refusing.queues.addInbound(message(1))).rejects.toThrow(/reached 0 of 1 replicas/);
    await refusing.close();

    replica = await startRedis({ appendonly: false, extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
    replicaClient = new Redis(replica.url);
    await waitForReplicas(admin, 1);
    const accepting = queuesWaiting(30_000);
    await expect(accepting.queues.addInbound(message(1))).resolves.toBeDefined();
    // The job's hash is on the replica, as WAIT promised: read at once, no polling.
    expect(await replicaClient.exists(jobKey(1))).toBe(1);
    await accepting.close();
  }, 60_000);

  it('refuses while the replica is frozen, though the primary holds the message, and accepts it after', async () => {
    const pid = replica?.pid();
    if (pid === undefined || replicaClient === undefined) throw new Error('the first test starts the replica');
    process.kill(pid, 'SIGSTOP');
    const refusing = queuesWaiting(300);
    await expect(refusing.queues.addInbound(message(2))).rejects.toThrow(/reached 0 of 1 replicas/);
    expect(await admin.exists(jobKey(2))).toBe(1);
    await refusing.close();
    process.kill(pid, 'SIGCONT');
    // The channel adds it again (same job id): now it counts once the replica caught up.
    const accepting = queuesWaiting(30_000);
    await expect(accepting.queues.addInbound(message(2))).resolves.toBeDefined();
    expect(await replicaClient.exists(jobKey(2))).toBe(1);
    await accepting.close();
  }, 60_000);

  it('does not wait when the connection string asks for no replicas', async () => {
    const connection = createRedis({ url: primary.url, role: 'producer', log, name: 'no-wait' });
    const queues = createQueues(connection, log);
    await expect(queues.addInbound(message(3))).resolves.toBeDefined();
    await queues.close();
    await connection.quit();
  });
});
