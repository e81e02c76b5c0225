import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import { SocketModeClient } from '@slack/socket-mode';
import { AppError, toAppError } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import type { WebClient } from '@slack/web-api';
import { catchUp, type ConversationLog } from './catch-up.js';
import type { FileDownloader } from './download-files.js';
import { toInbound, type InboundPolicy, type SlackEvent } from './to-inbound.js';

export type SlackChannelDeps = {
  appToken: string;
  apiBase: string;
  queues: Queues;
  policy: InboundPolicy;
  log: Logger;
  botUserId: () => Promise<string>;
  /** The bot's Web API client: catching up after a reconnect reads conversations with it. */
  web: WebClient;
  conversations: ConversationLog;
  /** Downloads the files of an accepted message into the media folder. */
  downloadFiles?: FileDownloader;
  /** Connected (Slack said hello): put-back replies may go. */
  onUp?: () => void;
  /** The server pings at least this often; a connection silent for longer is dropped (default 30 s). */
  serverPingTimeoutMs?: number;
};

type SlackEnvelope = {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id?: string;
  type?: string;
  body?: { event?: SlackEvent; event_id?: string };
  retry_num?: number;
  retry_reason?: string;
};

/** Socket Mode's WebSocket (undici) reports pings and pongs only through these channels. */
const pings = diagnosticsChannel('undici:websocket:ping');
const pongs = diagnosticsChannel('undici:websocket:pong');

/**
 * The Slack channel's `start()`, run by the supervisor: one Socket Mode connection
 * (apps.connections.open, then the WebSocket) until it breaks, Slack asks us to reconnect
 * (`disconnect`), or a stop is requested. An envelope is acknowledged only after its job is in
 * Redis: while Redis is away the connection is dropped unacknowledged and Slack redelivers the
 * envelope (retry_attempt > 0), which lands on the same job id (channel + message ts) and is
 * dropped there. Reconnecting is the supervisor's (backoff, watchdog), not the library's.
 */
export function createSlackChannel(deps: SlackChannelDeps) {
  const { log } = deps;

  async function queueEvent(event: SlackEvent, botUserId: string, retry: number): Promise<void> {
    let verdict = toInbound(event, deps.policy, botUserId, Date.now());
    // Files only of a message that is let in: a stranger's are never fetched.
    if (verdict.kind === 'accept' && deps.downloadFiles !== undefined && Array.isArray(event.files) && event.files.length > 0) {
      verdict = toInbound(event, deps.policy, botUserId, verdict.message.receivedAt, await deps.downloadFiles(event.files));
    }
    if (verdict.kind === 'ignore') {
      log.debug({ ts: event.ts, reason: verdict.reason }, 'slack event ignored');
      return;
    }
    const result = await deps.queues.addInbound(verdict.message);
    log.debug({ messageId: verdict.message.id, retry, result }, 'slack message queued');
    const raw = typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
    await deps.conversations
      .note(verdict.message.chatId, raw, verdict.message.sourceMessageId ?? '')
      .catch((err: unknown) => log.debug({ err }, 'could not note the active slack conversation'));
  }

  async function onEnvelope(envelope: SlackEnvelope, botUserId: string): Promise<void> {
    const event = envelope.body?.event;
    if (envelope.type === 'events_api' && event !== undefined) await queueEvent(event, botUserId, envelope.retry_num ?? 0);
    if (envelope.envelope_id !== undefined) await envelope.ack();
  }

  return {
    async run(ctx: ChannelContext): Promise<void> {
      const botUserId = await deps.botUserId();
      const client = new SocketModeClient({
        appToken: deps.appToken,
        autoReconnectEnabled: false,
        serverPingTimeout: deps.serverPingTimeoutMs ?? 30_000,
        clientOptions: { slackApiUrl: deps.apiBase, retryConfig: { retries: 0 }, timeout: 15_000 },
        logger: toSlackLogger(log),
      });
      let chain: Promise<void> = Promise.resolve();
      let failure: AppError | undefined;
      const closed = new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
      const alive = () => ctx.reportAlive();
      pings.subscribe(alive);
      pongs.subscribe(alive);
      // Envelopes are handled one after the other, in the order they came.
      client.on('slack_event', (envelope: SlackEnvelope) => {
        chain = chain.then(async () => {
          if (failure !== undefined) return; // going down; Slack redelivers what was not acknowledged
          try {
            await onEnvelope(envelope, botUserId);
          } catch (err) {
            failure = toAppError(err, 'BUS_UNAVAILABLE');
            log.warn({ err: failure }, 'could not queue a slack event; reconnecting so slack redelivers it');
            void client.disconnect();
          }
        });
      });
      // Right at hello, before any envelope of this connection: what was missed while away, in order.
      client.once('connected', () => {
        chain = chain.then(async () => {
          if (failure !== undefined) return;
          try {
            const queued = await catchUp({ web: deps.web, log: deps.conversations, logger: log, queue: (event) => queueEvent(event, botUserId, 0) });
            if (queued > 0) log.info({ queued }, 'caught up with slack messages missed while disconnected');
          } catch (err) {
            failure = toAppError(err, 'BUS_UNAVAILABLE');
            log.warn({ err: failure }, 'could not catch up; reconnecting');
            void client.disconnect();
          }
        });
      });
      client.on('disconnect', (message: { body?: { reason?: string } } | undefined) => log.info({ reason: message?.body?.reason }, 'slack asked for a reconnect'));
      const onAbort = () => void client.disconnect();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        try {
          await client.start();
        } catch (err) {
          throw toAppError(err, 'CHANNEL_UNAVAILABLE');
        }
        ctx.reportAlive();
        log.info('connected to slack (socket mode)');
        deps.onUp?.();
        await closed;
        await chain;
        if (ctx.signal.aborted) return;
        throw failure ?? new AppError('CHANNEL_UNAVAILABLE', 'slack socket mode connection closed');
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        pings.unsubscribe(alive);
        pongs.unsubscribe(alive);
        client.removeAllListeners('slack_event');
        await client.disconnect().catch(() => undefined);
      }
    },
  };
}

/** The library's logger interface on top of pino; its debug lines carry payloads, so they stay at trace. */
function toSlackLogger(log: Logger) {
  let level = 'info';
  return {
    debug: (...msg: unknown[]) => log.trace({ slack: msg.map(String).join(' ').slice(0, 200) }, 'socket mode'),
    info: (...msg: unknown[]) => log.debug({ slack: msg.map(String).join(' ').slice(0, 200) }, 'socket mode'),
    warn: (...msg: unknown[]) => log.warn({ slack: msg.map(String).join(' ').slice(0, 300) }, 'socket mode'),
    error: (...msg: unknown[]) => log.warn({ slack: msg.map(String).join(' ').slice(0, 300) }, 'socket mode'),
    setLevel: (next: string) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  } as never;
}
