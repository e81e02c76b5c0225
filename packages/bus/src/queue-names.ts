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

/** BullMQ key prefix and the prefix of our own keys, so a shared Redis stays tidy. */
export const bullPrefix = 'nb';
export const keyPrefix = 'nb:';
