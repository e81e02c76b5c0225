import { hostname } from 'node:os';
import { join } from 'node:path';
import type { OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { resolveHostName } from '@nanobot/bus';
import { channelRestartDelay, createChannelWorker, type ChannelWorker } from '@nanobot/channel';
import { createMediaKeeper } from './keep-media.js';
import { createSender } from './send-outbound.js';
import type { InboundPolicy } from './to-inbound.js';
import { createWhatsappChannel } from './whatsapp-channel.js';

export type WhatsappWorkerOptions = {
  redisUrl: string;
  bridgeUrl: string;
  token: () => Promise<string>;
  policy: InboundPolicy;
  log: Logger;
  /** Ping the bridge this often; a link without a pong for one interval is dropped (design-notes L15). */
  heartbeatMs: number;
  ackTimeoutMs?: number;
  /** How long the n-th put-back of a reply waits (default putBackDelayMs). */
  putBackDelayMs?: (count: number) => number;
  /** For the status record: pm2 instance id and pid. */
  instance: string;
  pid: number;
  /** Where nanobot's pairing.json is; its approvals are loaded at start. */
  nanobotHome?: string;
  /** Metrics: a message was queued for the agent / a reply was sent. */
  onMessageIn?: () => void;
  onMessageOut?: (message: OutboundMessage) => void;
  /** Received files are copied to `<workspace>/media/whatsapp/<chat>/` (`agents.defaults.workspace`); without it they stay where the bridge put them. */
  workspace?: string;
  /** `channels.whatsapp.maxMediaMb`, named in the line that refuses a file the bridge found too large. */
  maxMediaMb?: number;
};

export type WhatsappWorker = ChannelWorker;

/**
 * The bridge is on the same machine: after a dropped link try again after 250 ms, doubling up
 * to 2 s while the bridge or Redis stays away, so service resumes right after; a refused token
 * needs a fix or a bridge restart, so it waits 30 s.
 */
export const restartDelayMs = channelRestartDelay({ fatalMs: 30_000, honourRetryAfter: false });

/**
 * The WhatsApp worker on the channel kit. It takes no account lease: pm2 runs one instance,
 * and the bridge owns the WhatsApp session (one per account, guarded by its lock in
 * NANOBOT_HOME), so the worker sends from the start. The bridge link and the sender are its own.
 */
export function createWhatsappWorker(options: WhatsappWorkerOptions): WhatsappWorker {
  const { log } = options;
  return createChannelWorker({
    name: 'whatsapp', redisUrl: options.redisUrl, log, instance: options.instance, pid: options.pid,
    host: resolveHostName(process.env, hostname()),
    livenessWindowMs: options.heartbeatMs * 3,
    restartDelayMs,
    restartCommand: true,
    recordTraffic: true,
    ...(options.nanobotHome === undefined ? {} : { nanobotHome: options.nanobotHome }),
    setup: (kit) => {
      const channel = createWhatsappChannel({
        url: options.bridgeUrl, token: options.token, queues: kit.queues, policy: options.policy, log, heartbeatMs: options.heartbeatMs,
        onUp: () => kit.putBacks.channelBack(),
        pairing: kit.pairing,
        ...(options.onMessageIn === undefined ? {} : { onQueued: options.onMessageIn }),
        ...(options.workspace === undefined
          ? {}
          : { keepMedia: createMediaKeeper({ mediaDir: join(options.workspace, 'media', 'whatsapp'), maxMediaMb: options.maxMediaMb ?? 20 }) }),
      });
      return {
        run: channel.run,
        send: createSender({
          link: channel.link, markers: kit.markers, log, hold: kit.putBacks.hold,
          ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
          ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
          ...(options.onMessageOut === undefined ? {} : { onSent: options.onMessageOut }),
        }),
      };
    },
  });
}
