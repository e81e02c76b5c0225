import type { Redis } from 'ioredis';
import type { ChannelName } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { controlChannels } from './queue-names.js';
import { createRedis } from './redis-connection.js';

export type ChannelControlMessage = { action: 'restart-channel'; reason: string };

/** Asks every running worker of `channel` to restart its channel loop; resolves with how many listen. */
export async function requestChannelRestart(redis: Redis, channel: ChannelName, reason: string): Promise<number> {
  const message: ChannelControlMessage = { action: 'restart-channel', reason };
  return redis.publish(controlChannels.channel(channel), JSON.stringify(message));
}

function parseControlMessage(raw: string): ChannelControlMessage | null {
  try {
    const value = JSON.parse(raw) as { action?: unknown; reason?: unknown };
    if (value.action !== 'restart-channel') return null;
    return { action: 'restart-channel', reason: typeof value.reason === 'string' ? value.reason.slice(0, 200) : 'requested' };
  } catch {
    return null; // logged by the caller as an unreadable control message
  }
}

export type ChannelControlOptions = {
  redisUrl: string;
  channel: ChannelName;
  log: Logger;
  onRestart(reason: string): void;
};

/**
 * A channel worker's ear for control messages, on a connection of its own (a subscribed
 * connection can do nothing else). ioredis subscribes again after a reconnect.
 */
export function createChannelControl(options: ChannelControlOptions) {
  const { log } = options;
  const redis = createRedis({ url: options.redisUrl, role: 'worker', log, name: `${options.channel}-control` });
  const name = controlChannels.channel(options.channel);
  redis.on('message', (from: string, raw: string) => {
    if (from !== name) return;
    const message = parseControlMessage(raw);
    if (message === null) {
      log.warn({ channel: options.channel }, 'unreadable control message ignored');
      return;
    }
    log.info({ action: message.action, reason: message.reason }, 'control message received');
    options.onRestart(message.reason);
  });
  return {
    async start(): Promise<void> {
      await redis.subscribe(name);
    },
    async close(): Promise<void> {
      await redis.quit().catch(() => redis.disconnect()); // already closed or never connected: nothing held
    },
  };
}

export type ChannelControl = ReturnType<typeof createChannelControl>;
