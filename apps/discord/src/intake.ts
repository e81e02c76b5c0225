import type { REST } from '@discordjs/rest';
import { AppError, isAppError, type InboundMessage } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { toDiscordError } from './discord-rest.js';
import { fetchAttachments } from './fetch-attachments.js';
import type { SeenStore } from './seen-store.js';
import { toInbound, type DiscordMessage, type InboundPolicy } from './to-inbound.js';

export type IntakeDeps = {
  rest: REST;
  queues: Queues;
  seen: SeenStore;
  policy: InboundPolicy;
  botId: string;
  mediaDir: string;
  maxMediaBytes: number;
  log: Logger;
  /** After a message is queued (typing), only while this process holds the lease. */
  onQueued?: (message: InboundMessage) => void;
  /** Test hook: awaited at `after-queue` (queued, id not yet raised). */
  faultPoint?: (point: 'after-queue') => void | Promise<void>;
};

const pageSize = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The inbound side of one gateway session, strictly one event after the other: READY (a fresh
 * session) first reads back through REST what each active channel got since its newest
 * handled id, then the live MESSAGE_CREATEs follow in gateway order, so a session's turns keep
 * Discord's order. Each message is queued (job id from the message id) before its id is
 * raised; a copy (catch-up and live overlap, a RESUME replays) is dropped by the id.
 * A Redis outage holds the line: the add is retried until it succeeds or the run stops.
 */
export function createIntake(deps: IntakeDeps, signal: AbortSignal) {
  const { log } = deps;
  let chain: Promise<void> = Promise.resolve();
  let failure: ((err: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    failure = reject;
  });
  failed.catch(() => undefined);

  /**
   * A Redis step of the intake (the add, the seen ids), retried while Redis is away so the
   * line holds in order instead of failing the run; given up only when the run stops.
   */
  async function withRedis<T>(what: string, step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await step();
      } catch (err) {
        const appError = isAppError(err) ? err : new AppError('BUS_UNAVAILABLE', `could not ${what}`, { cause: err });
        if (!isAppError(appError, 'BUS_UNAVAILABLE') || signal.aborted) throw appError;
        if (attempt === 1) log.warn({ err: appError }, 'Redis unavailable: holding Discord intake until it is back');
        await sleep(Math.min(250 * 2 ** (attempt - 1), 2_000));
      }
    }
  }

  async function handle(raw: DiscordMessage, via: 'gateway' | 'catch-up'): Promise<void> {
    if (deps.seen.handled(raw.channel_id, raw.id)) {
      log.debug({ messageId: raw.id, via }, 'message already handled');
      return;
    }
    const verdict = toInbound(raw, deps.botId, deps.policy, Date.now());
    if (verdict.kind === 'ignore') {
      log.debug({ messageId: raw.id, reason: verdict.reason, via }, 'message ignored');
      // Only channels the bot talks in are read back after a lost session: an ignored message
      // moves a known channel on, but makes no channel known (a busy guild would cost a read each).
      if (deps.seen.known(raw.channel_id)) await withRedis('record the message as handled', () => deps.seen.raise(raw.channel_id, raw.id));
      return;
    }
    let message = verdict.message;
    if (verdict.attachments.length > 0 && message.kind === 'message') {
      const { paths, markers } = await fetchAttachments(verdict.attachments, {
        mediaDir: deps.mediaDir, channelId: raw.channel_id, maxBytes: deps.maxMediaBytes, log, signal,
      });
      message = { ...message, text: [message.text, ...markers].filter((s) => s !== '').join('\n'), media: paths };
    }
    await withRedis('note the channel', () => deps.seen.track(raw.channel_id, raw.id));
    await withRedis(`add ${message.id}`, () => deps.queues.addInbound(message));
    await deps.faultPoint?.('after-queue');
    await withRedis('record the message as handled', () => deps.seen.raise(raw.channel_id, raw.id));
    log.debug({ jobId: message.id, via }, 'message queued');
    try {
      deps.onQueued?.(message);
    } catch (err) {
      log.debug({ err }, 'after-queue callback failed');
    }
  }

  async function catchUp(): Promise<void> {
    const channels = await withRedis('read the active channels', () => deps.seen.load(Date.now()));
    let read = 0;
    for (const { channelId, after } of channels) {
      let from = after;
      for (;;) {
        let page: DiscordMessage[];
        try {
          const query = new URLSearchParams({ after: from, limit: String(pageSize) });
          page = (await deps.rest.get(`/channels/${channelId}/messages`, { query, signal })) as DiscordMessage[];
        } catch (err) {
          const appError = toDiscordError(err, 'catch-up');
          // A channel the bot can no longer read (left, deleted): nothing to catch up there.
          if (appError.code === 'MESSAGE_INVALID') {
            log.warn({ err: appError, channelId }, 'cannot read a channel back; skipping it');
            break;
          }
          throw appError;
        }
        const ordered = [...page].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        for (const message of ordered) await handle(message, 'catch-up');
        read += ordered.length;
        const last = ordered[ordered.length - 1];
        if (ordered.length < pageSize || last === undefined) break;
        from = last.id;
      }
    }
    log.info({ channels: channels.length, messages: read }, 'new gateway session: caught up through REST');
  }

  const enqueue = (task: () => Promise<void>) => {
    chain = chain.then(task).catch((err: unknown) => {
      failure?.(isAppError(err) ? err : new AppError('INTERNAL', 'discord intake failed', { cause: err }));
      // Nothing more is handled in this run: the supervisor starts a fresh session, which catches up.
      chain = new Promise<void>(() => undefined);
    });
  };

  return {
    /** A fresh session (READY): catch up before any live message of it. */
    sessionStarted: () => enqueue(catchUp),
    message: (raw: DiscordMessage) => enqueue(() => handle(raw, 'gateway')),
    /** Rejects with the first failure that ends the run (Redis gone while stopping, Discord refusing catch-up). */
    failed,
    /** Resolves when what was handed in so far is handled (or given up). */
    drain: async () => {
      await Promise.race([chain, failed.catch(() => undefined)]);
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;
