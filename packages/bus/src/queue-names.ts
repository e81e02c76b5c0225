import type { ChannelName } from '@nanobot/core';

/** Every queue and job name of the cluster lives here (docs/code-style.md). */
export const queueNames = {
  inbound: 'inbound',
  /** Fires of scheduled jobs (cron and heartbeat), produced by BullMQ job schedulers. */
  cron: 'cron',
  /** Background subagents started by the `spawn` tool; any agent instance runs them. */
  subagent: 'subagent',
  outbound: (channel: ChannelName) => `outbound-${channel}` as const,
} as const;

/**
 * Redis pub/sub channels of control messages to a channel's workers (`/restart`). Pub/sub on
 * purpose: a worker that is down misses the message, and then there is no loop to restart.
 */
export const controlChannels = {
  channel: (channel: ChannelName) => `${keyPrefix}control:${channel}` as const,
} as const;

export const jobNames = {
  inbound: 'inbound-message',
  outbound: 'outbound-message',
  subagent: 'subagent-task',
  /** An inbound message whose turn outlived a model outage: it fails on purpose into the failed set, for `nanobot retry`. */
  parkedTurn: 'parked-turn',
  /** Input a channel could not read, kept with its reason: the agent fails it into the failed set. */
  malformedUpdate: 'malformed-update',
  malformedFrame: 'malformed-frame',
} as const;

/**
 * BullMQ's key prefix and the prefix of our own keys, so a shared Redis stays tidy. On a Redis
 * Cluster both carry the hash tag `{nb}`, so every key of ours and of BullMQ's sits in one slot
 * and every multi-key command and script stays legal (docs/design-notes.md L24). Live bindings:
 * key names are computed when used, never at import, so `useClusterKeyspace` reaches them all.
 */
export let bullPrefix = 'nb';
export let keyPrefix = 'nb:';

export type Keyspace = 'plain' | 'cluster';

/**
 * Chooses the keyspace of this process; `createRedisClient` calls it when it makes a Cluster
 * client, before any key is named. A process talks to one Redis, so one keyspace per process.
 */
export function useKeyspace(keyspace: Keyspace): void {
  bullPrefix = keyspace === 'cluster' ? '{nb}' : 'nb';
  keyPrefix = `${bullPrefix}:`;
}

export const currentKeyspace = (): Keyspace => (bullPrefix === 'nb' ? 'plain' : 'cluster');
