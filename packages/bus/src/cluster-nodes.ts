import type { Cluster, Redis } from 'ioredis';
import { bullPrefix } from './queue-names.js';

/**
 * On a Redis Cluster, `createRedisClient` returns ioredis' `Cluster` behind the `Redis` type: it
 * has the same commands and routes each keyed one to the node of its slot. Commands about a
 * server rather than a key (SCAN, INFO, CONFIG, WAIT) must instead be sent to a chosen node; these
 * helpers choose it, and on a single Redis they return the client itself.
 */
export const isClusterClient = (redis: Redis): boolean => redis.isCluster;

/** Every primary: SCAN must visit each of them to see every key. */
export function primariesOf(redis: Redis): Redis[] {
  return redis.isCluster ? (redis as unknown as Cluster).nodes('master') : [redis];
}

const homeSlots = new WeakMap<Redis, number>();

/**
 * The primary that holds our keys: every key of ours and of BullMQ's carries the tag `{nb}` on a
 * cluster, so they all sit in the slot of `nb`. WAIT after an add, and INFO about the memory those
 * keys use, go to this node. Follows a resharding: the slot map is read at every call.
 */
export async function homeNodeOf(redis: Redis): Promise<Redis> {
  if (!redis.isCluster) return redis;
  const cluster = redis as unknown as Cluster;
  let slot = homeSlots.get(redis);
  if (slot === undefined) {
    slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', bullPrefix));
    homeSlots.set(redis, slot);
  }
  const owner = cluster.slots[slot]?.[0];
  const node = cluster.nodes('master').find((candidate) => `${candidate.options.host ?? ''}:${candidate.options.port ?? ''}` === owner);
  if (node === undefined) throw new Error(`no primary known for slot ${slot} of the cluster`);
  return node;
}
