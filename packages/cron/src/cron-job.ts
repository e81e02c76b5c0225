import { z } from 'zod';
import { channelNames } from '@nanobot/core';

/**
 * A scheduled job, in nanobot's shape (`cron/jobs.json`): a schedule, what to tell the agent,
 * and where the answer goes. Kept in Redis; BullMQ's job scheduler fires it.
 */
export const cronScheduleSchema = z.discriminatedUnion('kind', [
  /** One-shot at an instant; disabled after it ran. */
  z.object({ kind: z.literal('at'), atMs: z.number().int().positive() }),
  /** Every `everyMs` milliseconds. */
  z.object({ kind: z.literal('every'), everyMs: z.number().int().min(1_000) }),
  /** A cron expression in an IANA time zone. */
  z.object({ kind: z.literal('cron'), expr: z.string().min(1), tz: z.string().min(1) }),
]);

export type CronSchedule = z.infer<typeof cronScheduleSchema>;

const deliverableChannels = channelNames.filter((c) => c !== 'system' && c !== 'cli' && c !== 'api');

/** Where a job's answer goes: a chat of a channel, and the session whose history the turn sees. */
export const cronTargetSchema = z.object({
  channel: z.enum(deliverableChannels as [string, ...string[]]),
  chatId: z.string().min(1),
  threadId: z.string().optional(),
  /** The session the job was created in; its turns run there (nanobot's session-bound jobs). */
  sessionKey: z.string().min(1),
});

export type CronTarget = z.infer<typeof cronTargetSchema>;

export const cronJobSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().min(1).max(200),
  enabled: z.boolean(),
  schedule: cronScheduleSchema,
  message: z.string().min(1),
  /** Without a target the answer is only kept in the run history (`nanobot cron list`). */
  deliver: cronTargetSchema.optional(),
  createdAtMs: z.number().int().nonnegative(),
  updatedAtMs: z.number().int().nonnegative(),
});

export type CronJob = z.infer<typeof cronJobSchema>;

export const cronRunSchema = z.object({
  /** When it was due (the fire time BullMQ scheduled). */
  runAtMs: z.number().int(),
  status: z.enum(['ok', 'error', 'skipped']),
  /** From due to queued turn, and for answered runs from due to answer. */
  durationMs: z.number().int().nonnegative(),
  error: z.string().optional(),
  /** The start of the answer, for jobs without a target. */
  output: z.string().optional(),
});

export type CronRun = z.infer<typeof cronRunSchema>;

/** The job id of the heartbeat, which is a job like any other but owned by the config. */
export const heartbeatJobId = 'heartbeat';
