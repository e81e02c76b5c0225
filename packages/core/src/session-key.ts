import { AppError } from './app-error.js';

/** `api`: requests to `nanobot serve` (OpenAI's chat completions). */
export const channelNames = ['telegram', 'whatsapp', 'discord', 'slack', 'email', 'cli', 'system', 'api'] as const;
export type ChannelName = (typeof channelNames)[number];

/**
 * nanobot's session key: `channel:chatId`, and for Telegram forum topics
 * `telegram:<chat>:topic:<thread>`.
 */
export function toSessionKey(channel: ChannelName, chatId: string, threadId?: string): string {
  const base = `${channel}:${chatId}`;
  return threadId === undefined ? base : `${base}:topic:${threadId}`;
}

/**
 * Turns any source-derived id into a BullMQ job id: job ids must not contain `:`
 * and must not be all digits (https://docs.bullmq.io/guide/jobs/job-ids).
 */
export function toJobId(raw: string): string {
  if (raw.length === 0) throw new AppError('MESSAGE_INVALID', 'empty job id');
  const safe = raw.replace(/:/g, '_');
  return /^\d+$/.test(safe) ? `j${safe}` : safe;
}
