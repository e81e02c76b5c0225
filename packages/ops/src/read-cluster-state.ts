import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, homeNodeOf, queueNames, readStatuses, type ProcessStatus } from '@nanobot/bus';
import { parseRedisInfo, type RedisView } from './parse-redis-info.js';

/** The queues `nanobot status` and the dashboard show. */
export const watchedQueues = [
  queueNames.inbound, queueNames.outbound('telegram'), queueNames.outbound('whatsapp'), queueNames.outbound('discord'), queueNames.outbound('slack'), queueNames.outbound('email'), queueNames.cron, queueNames.outbound('system'),
  queueNames.subagent, queueNames.outbound('api'),
];

export type QueueView = {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** When the oldest job still waiting was added; null when none waits. */
  oldestWaitingAt: number | null;
};

/** Everything Redis knows about the cluster, read in one go. */
export type ClusterState = {
  statuses: ProcessStatus[];
  queues: QueueView[];
  /** BullMQ workers connected to `inbound` (agents able to take a message); null when Redis won't list clients. */
  inboundWorkers: number | null;
  redis: RedisView;
};

export type ClusterReader = {
  read(): Promise<ClusterState>;
  close(): Promise<void>;
};

async function readQueue(queue: Queue): Promise<QueueView> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  // asc: the oldest end of the wait list (BullMQ's getRanges reads LRANGE from the right).
  const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
  return {
    name: queue.name,
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
    oldestWaitingAt: oldest?.timestamp ?? null,
  };
}

/** Counts the workers BullMQ names after `inbound` (CLIENT LIST); null where that is not allowed. */
async function countWorkers(queue: Queue): Promise<number | null> {
  try {
    const workers = await queue.getWorkers();
    // BullMQ answers with a placeholder entry where the provider disables CLIENT LIST.
    return workers.some((w) => w.name === 'GCP does not support client list') ? null : workers.length;
  } catch {
    return null; // CLIENT LIST refused (ACL): the status records alone must tell
  }
}

/**
 * Reads process statuses, queue counts, inbound workers and Redis facts. The Queue objects
 * are made once and reused, so a dashboard refreshing every second adds no connections.
 */
export function createClusterReader(redis: Redis): ClusterReader {
  const queues = watchedQueues.map((name) => new Queue(name, { connection: redis, prefix: bullPrefix }));
  // Errors reach the caller through the failed read; the emitter must not crash the process.
  for (const queue of queues) queue.on('error', () => undefined);
  const inbound = queues[0] as Queue;
  return {
    async read() {
      const [statuses, queueViews, inboundWorkers, info] = await Promise.all([
        readStatuses(redis),
        Promise.all(queues.map(readQueue)),
        countWorkers(inbound),
        // On a cluster, the node that holds our keys (every key of ours is in the slot of `{nb}`).
        homeNodeOf(redis).then((node) => node.info()),
      ]);
      return { statuses, queues: queueViews, inboundWorkers, redis: parseRedisInfo(info) };
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}

/** Reads the inbound workers only: is any agent able to take a message right now? */
export async function countInboundWorkers(redis: Redis): Promise<number | null> {
  const queue = new Queue(queueNames.inbound, { connection: redis, prefix: bullPrefix });
  queue.on('error', () => undefined);
  try {
    return await countWorkers(queue);
  } finally {
    await queue.close();
  }
}
