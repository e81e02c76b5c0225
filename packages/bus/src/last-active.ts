import type { Redis } from 'ioredis';
import type { InboundMessage } from '@nanobot/core';
import { keyPrefix } from './queue-names.js';

const key = () => `${keyPrefix}last-active`;

/** The chat a person wrote from most recently: where the heartbeat reports. */
export type LastActiveChat = { channel: InboundMessage['channel']; chatId: string; threadId?: string; sessionKey: string; at: number };

/** Remembers the chat of a message from a person (not the terminal, not the scheduler). */
export async function recordLastActive(redis: Redis, message: InboundMessage): Promise<void> {
  if (message.channel === 'system' || message.channel === 'cli') return;
  const value: LastActiveChat = {
    channel: message.channel,
    chatId: message.chatId,
    ...(message.threadId === undefined ? {} : { threadId: message.threadId }),
    sessionKey: message.sessionKey,
    at: message.receivedAt,
  };
  await redis.set(key(), JSON.stringify(value));
}

export async function readLastActive(redis: Redis): Promise<LastActiveChat | undefined> {
  const json = await redis.get(key());
  if (json === null) return undefined;
  try {
    return JSON.parse(json) as LastActiveChat;
  } catch {
    // Not ours to repair: the next message from a person overwrites it.
    return undefined;
  }
}
