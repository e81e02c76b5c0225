import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisClusterSetup } from './redis-cluster.js';

describe('startRedisCluster', () => {
  let setup: RedisClusterSetup;
  let cluster: Cluster;

  beforeAll(async () => {
    setup = await startRedisCluster();
    cluster = new Cluster(setup.nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  }, 60_000);
  afterAll(async () => {
    cluster?.disconnect();
    await setup?.close();
  });

  it('runs three primaries that cover every slot', async () => {
    const info = String(await cluster.call('CLUSTER', 'INFO'));
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_slots_assigned:16384/);
    expect(info).toMatch(/cluster_known_nodes:3/);
  });

  it('refuses a multi-key command across slots and takes one within a hash tag', async () => {
    await expect(cluster.mset('nb:a', '1', 'nb:b', '2')).rejects.toThrow(/CROSSSLOT/);
    await expect(cluster.mset('{nb}:a', '1', '{nb}:b', '2')).resolves.toBe('OK');
    expect(await cluster.mget('{nb}:a', '{nb}:b')).toEqual(['1', '2']);
  });
});
