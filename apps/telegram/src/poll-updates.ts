import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import { AppError, type InboundMessage } from '@nanobot/core';
import type { PairingGate, Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import { albumCut, groupAlbums } from './media/album-groups.js';
import type { Attached } from './media/attach-media.js';
import { toGrammySignal, toTelegramError } from './telegram-errors.js';
import { toInbound, unmentionedReason, type BotIdentity, type InboundPolicy, type UpdateVerdict } from './to-inbound.js';

export type PollerDeps = {
  api: Api;
  queues: Queues;
  bot: BotIdentity;
  policy: InboundPolicy;
  pollTimeoutS: number;
  log: Logger;
  /** Called after a message is durably queued (typing indicator). */
  onQueued?: (message: InboundMessage) => void;
  /**
   * Called with every message the bot received (accepted or ignored) before its update is
   * confirmed: the chat's newest known id, where a reply's delivery probe starts.
   */
  onSeen?: (chatId: string, messageId: number) => Promise<void>;
  /** Called after every successful getUpdates: Telegram answers again (lifts an outage hold on replies). */
  onPolled?: () => void;
  /** Called with every update that is malformed; it must park it durably or throw. */
  park: (update: Update, reason: string) => Promise<void>;
  /**
   * Resolves only while this process may poll (it holds the poller lease); throws otherwise.
   * Called right before every getUpdates, so a holder that lost the lease (e.g. frozen past
   * it and resumed) never cuts the new holder's long poll short with a 409.
   */
  fence?: () => Promise<void>;
  /** DM pairing for senders outside allowFrom; without it they are ignored. */
  pairing?: PairingGate;
  /**
   * Downloads a message's files (of every update of an album) before it is queued, so the
   * update is confirmed only once they are on disk (media/attach-media.ts).
   */
  attachMedia?: (message: InboundMessage, updates: Update[]) => Promise<Attached>;
  /** Fault tests: awaited after a message's files are downloaded, before it is queued. */
  afterDownload?: () => void | Promise<void>;
  /** How long an album at the end of a batch waits for the rest of its photos (default 800 ms, twice at most). */
  albumWaitMs?: number;
};

/**
 * The Telegram channel's `start()`, run by the supervisor. Long polling with our
 * own loop instead of `bot.start()`, because the offset rule needs control of
 * confirmation (design-notes L2–L4): the offset only moves past an update
 * once it is in Redis, and Telegram confirms it on the NEXT getUpdates. If Redis
 * is away, the add throws, the loop ends, and the update stays unconfirmed at
 * Telegram, which redelivers it; the job id derived from update_id drops the copy.
 */
export function createPoller(deps: PollerDeps) {
  const { api, log } = deps;

  /**
   * Poison input must never block the bot: an update that cannot be read (whatever toInbound
   * throws) is parked like a malformed one, so the offset moves past it. Only a failure to
   * store it (Redis away) ends the loop, and that one passes.
   */
  function verdictOf(update: Update, policy: InboundPolicy = deps.policy): UpdateVerdict {
    try {
      return toInbound(update, deps.bot, policy, Date.now());
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { kind: 'malformed', reason: `could not read the update (${what.slice(0, 200)})` };
    }
  }

  async function noteSeen(update: Update): Promise<void> {
    const message = update.message as { chat?: { id?: unknown }; message_id?: unknown } | null | undefined;
    const chatId = message?.chat?.id;
    const messageId = message?.message_id;
    if (deps.onSeen === undefined || typeof chatId !== 'number' || typeof messageId !== 'number') return;
    try {
      await deps.onSeen(String(chatId), messageId);
    } catch (err) {
      // Only narrows a later probe; the message itself is handled either way.
      log.warn({ err, updateId: update.update_id }, 'could not record the chat\'s newest message id');
    }
  }

  /** A stranger approved through pairing counts as listed in allowFrom; one not approved is dropped. */
  async function admit(update: Update, verdict: UpdateVerdict): Promise<UpdateVerdict> {
    if (verdict.kind !== 'stranger') return verdict;
    if (deps.pairing === undefined) return { kind: 'ignore', reason: 'sender not in allowFrom' };
    const decision = await deps.pairing.admit(verdict);
    if (decision.kind === 'ignore') return decision;
    return verdictOf(update, { ...deps.policy, allowFrom: [...deps.policy.allowFrom, verdict.userId] });
  }

  /** The first accepted message of a group (one update, or an album's), with its files. */
  async function accept(message: InboundMessage, group: Update[]): Promise<void> {
    const attached: Attached = deps.attachMedia === undefined ? { kind: 'message', message } : await deps.attachMedia(message, group);
    if (attached.kind === 'message' && attached.message.kind === 'message' && attached.message.media.length > 0) await deps.afterDownload?.();
    if (attached.kind === 'refused') {
      // Nothing is queued for the turn; the chat is told once (the notice's id comes from the update).
      await deps.queues.addOutbound(attached.notice);
      log.info({ messageId: message.id, reason: attached.reason }, 'message with a file refused');
    } else {
      await deps.queues.addInbound(attached.message);
    }
    for (const update of group) await noteSeen(update);
    if (attached.kind === 'refused') return;
    log.debug({ updateId: group[0]?.update_id, messageId: message.id, files: attached.message.kind === 'message' ? attached.message.media.length : 0 }, 'update queued');
    try {
      deps.onQueued?.(attached.message);
    } catch (err) {
      // Typing and reaction are cosmetic and the message is queued: never a reason to stop polling.
      log.warn({ err, updateId: group[0]?.update_id }, 'after-queue callback failed');
    }
  }

  /**
   * One update, or the updates of one album: one turn at most. In a group only the album's
   * captioned photo mentions the bot; its other photos belong to the turn all the same.
   */
  async function handle(group: Update[]): Promise<void> {
    let accepted: InboundMessage | undefined;
    const members: Update[] = [];
    const unmentioned: Update[] = [];
    for (const update of group) {
      const verdict = await admit(update, verdictOf(update));
      switch (verdict.kind) {
        case 'accept':
          accepted ??= verdict.message;
          members.push(update);
          break;
        case 'ignore':
        case 'stranger': {
          const reason = verdict.kind === 'ignore' ? verdict.reason : 'sender not in allowFrom';
          if (group.length > 1 && reason === unmentionedReason) {
            unmentioned.push(update);
            break;
          }
          log.debug({ updateId: update.update_id, reason }, 'update ignored');
          await noteSeen(update);
          break;
        }
        case 'malformed':
          log.warn({ updateId: update.update_id, reason: verdict.reason }, 'malformed update parked');
          await deps.park(update, verdict.reason);
          break;
        default: {
          const never: never = verdict;
          throw new AppError('INTERNAL', `unknown verdict ${String(never)}`);
        }
      }
    }
    if (accepted === undefined) {
      for (const update of unmentioned) await noteSeen(update);
      return;
    }
    const inAlbum = new Set([...members, ...unmentioned]);
    await accept(accepted, group.filter((update) => inAlbum.has(update)));
  }

  async function poll(offset: number | undefined, signal: AbortSignal): Promise<Update[]> {
    await deps.fence?.();
    // A hung long poll must not block forever: give up a little after Telegram would answer.
    const deadline = AbortSignal.timeout((deps.pollTimeoutS + 10) * 1000);
    try {
      return await api.getUpdates(
        { offset, timeout: deps.pollTimeoutS, limit: 100, allowed_updates: ['message'] },
        toGrammySignal(AbortSignal.any([signal, deadline])),
      );
    } catch (err) {
      if (signal.aborted) return [];
      throw toTelegramError(err, 'getUpdates', deps.pollTimeoutS);
    }
  }

  return async function run(ctx: ChannelContext): Promise<void> {
    let offset: number | undefined;
    let lastConfirmed: number | undefined;
    let albumWaits = 0;
    while (!ctx.signal.aborted) {
      const updates = await poll(offset, ctx.signal);
      if (ctx.signal.aborted) break;
      lastConfirmed = offset;
      ctx.reportAlive();
      deps.onPolled?.();
      ctx.reportState({ lastPollAt: Date.now(), offset: offset ?? null });
      // An album at the end of the batch may have more photos on the way: leave it unconfirmed, ask again shortly.
      const cut = albumWaits < 2 ? albumCut(updates) : undefined;
      const now = cut === undefined ? updates : updates.filter((update) => update.update_id < cut);
      for (const group of groupAlbums(now)) {
        // Finish the update in hand even if a stop was requested meanwhile (design-notes L3).
        await handle(group);
        offset = Math.max(offset ?? 0, ...group.map((update) => update.update_id + 1));
      }
      if (cut === undefined) {
        albumWaits = 0;
        continue;
      }
      albumWaits += 1;
      offset = cut;
      await sleep(deps.albumWaitMs ?? 800, ctx.signal);
    }
    if (offset !== undefined && offset !== lastConfirmed) await confirm(offset);
  };

  /** On a requested stop, confirm what is already queued so a restart has nothing to redeliver. */
  async function confirm(offset: number): Promise<void> {
    try {
      await deps.fence?.();
    } catch (err) {
      // Lost (or Redis cannot say): a new holder polls from the unconfirmed offset, and
      // updates it gets again are dropped by their job ids.
      log.info({ err, offset }, 'poller lease not confirmed, not confirming the last offset');
      return;
    }
    try {
      await api.getUpdates({ offset, timeout: 0, limit: 1 }, toGrammySignal(AbortSignal.timeout(2_000)));
    } catch (err) {
      // Harmless: unconfirmed updates come again and are dropped by their job ids.
      log.warn({ err: toTelegramError(err, 'getUpdates', deps.pollTimeoutS) }, 'could not confirm the last offset on stop');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
