import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError, channelNames, toJobId } from '@nanobot/core';

/** Where a subagent was started: its result is announced back in this chat's session. */
const originSchema = z.object({
  channel: z.enum(channelNames),
  chatId: z.string().min(1),
  sessionKey: z.string().min(1),
  threadId: z.string().optional(),
  sourceMessageId: z.string().optional(),
  /** The turn that called `spawn`. */
  turnId: z.string().min(1),
});

/** The data of one `subagent` job (packages/bus queue-names.ts). */
const subagentJobSchema = z.object({
  /** The BullMQ job id, derived from the spawn call (`subagentJobId`). */
  jobId: z.string().min(1),
  task: z.string().min(1),
  label: z.string().min(1),
  origin: originSchema,
});

export type SubagentJob = z.infer<typeof subagentJobSchema>;
export type SubagentOrigin = SubagentJob['origin'];

export function parseSubagentJob(value: unknown): SubagentJob {
  const result = subagentJobSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError('MESSAGE_INVALID', `invalid subagent job at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`, { cause: result.error });
}

/** The job id comes from the spawn call's id (turn, iteration, position): a re-run turn starts no second subagent. */
export const subagentJobId = (callId: string): string => toJobId(`sub-${callId}`);

/** The short id the user and the model see (nanobot shows 8 characters), stable for a job. */
export const shortSubagentId = (jobId: string): string => createHash('sha256').update(jobId).digest('hex').slice(0, 8);

/** The id of the inbound message that announces the result: one per job, so a re-run job announces nothing twice. */
export const announceId = (jobId: string): string => toJobId(`${jobId}-result`);

/** nanobot's display label: the one given, else the task's first 30 characters. */
export function toLabel(task: string, label: string | undefined): string {
  const given = label?.trim();
  if (given !== undefined && given !== '') return given;
  return task.length > 30 ? `${task.slice(0, 30)}...` : task;
}
