import type { Api } from 'grammy';
import { oursKept, type ChatRecord, type SendingRecord, type SentMarkers } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { defaultProbeBounds, probeDelivery, type ProbeBounds } from './probe-delivery.js';

export type ProbeWindow = { floor: number; below?: number; skip: Set<number> } | { refused: string };

/** The first of our ids above `floor`: nothing at or above it was sent before the chunk. */
const firstAbove = (ours: number[], floor: number) => ours.find((id) => id > floor);

/**
 * Where a chunk's message can be, and whether probing there is safe. Above `floor` (the
 * chat's newest known id when the chunk was marked `sending`), below our next recorded send,
 * skipping our recorded ids. Refused when a probe could edit a message of ours it does not
 * know about: another chunk of this chat parked unresolved whose message may lie in the same
 * range, or our ids above the floor trimmed from the record. Ids of messages the channel
 * received from others are skipped as well.
 */
export function toProbeWindow(floor: number | null, self: string, chat: ChatRecord): ProbeWindow {
  if (floor === null) return { refused: 'no message id of this chat is known to look after' };
  const below = firstAbove(chat.ours, floor);
  const oldest = chat.ours[0];
  if (chat.ours.length >= oursKept && oldest !== undefined && oldest > floor) {
    return { refused: `more than ${oursKept} messages of ours were sent to this chat since` };
  }
  for (const other of chat.unresolved) {
    if (other.ref === self) continue;
    const otherFloor = other.floor ?? 0;
    const otherBelow = firstAbove(chat.ours, otherFloor) ?? Number.POSITIVE_INFINITY;
    if (Math.max(otherFloor, floor) + 1 < Math.min(otherBelow, below ?? Number.POSITIVE_INFINITY)) {
      return { refused: `reply ${other.ref} of this chat is unresolved and may sit where this one would` };
    }
  }
  // Others' messages the channel received are not ours either: probing them would only spend calls.
  return { floor, ...(below === undefined ? {} : { below }), skip: new Set([...chat.ours, ...chat.seen]) };
}

export type Resolution =
  | { kind: 'delivered'; messageId: number }
  /** Not delivered: send this (the same request, or plain text when Telegram cannot parse the HTML). */
  | { kind: 'send'; record: SendingRecord }
  | { kind: 'unresolved'; reason: string };

export type ResolverDeps = {
  api: Api;
  markers: SentMarkers;
  log: Logger;
  bounds?: Partial<ProbeBounds>;
  /** The sender's lease fence: a probe edits messages, so it is an effect like a send. */
  fence?: () => Promise<void>;
};

/**
 * Resolves a chunk whose send may or may not have happened (marked `sending`: the process
 * died after the request, or the answer was lost, timed out or was a 5xx) by asking Telegram
 * instead of guessing. Telegram errors while probing are thrown (the caller puts the reply
 * back); nothing is written here but the `sent` marker of a chunk found delivered.
 */
export function createResolver(deps: ResolverDeps) {
  const bounds = { ...defaultProbeBounds, ...deps.bounds };
  return async function resolve(at: { jobId: string; chunk: number; chatId: string; chat: string; plain: string }, record: SendingRecord): Promise<Resolution> {
    const self = deps.markers.ref(at.jobId, at.chunk);
    const window = toProbeWindow(record.floor, self, await deps.markers.chat(at.chat));
    if ('refused' in window) return { kind: 'unresolved', reason: window.refused };
    const log = deps.log.child({ jobId: at.jobId, chunk: at.chunk });
    const outcome = await probeDelivery(deps.api, { chatId: at.chatId, ...window, text: record.text, ...pick(record) }, bounds, deps.fence);
    switch (outcome.kind) {
      case 'found':
      case 'rewritten':
        if (outcome.kind === 'rewritten') log.error({ messageId: outcome.messageId }, 'a delivery probe rewrote a message of ours');
        await deps.markers.markDelivered(at.jobId, at.chunk, { chat: at.chat, messageId: outcome.messageId });
        log.info({ messageId: outcome.messageId, probes: outcome.calls }, 'reply found delivered, not sending it again');
        return { kind: 'delivered', messageId: outcome.messageId };
      case 'absent':
        log.info({ probes: outcome.calls }, 'reply not delivered, sending it');
        return { kind: 'send', record };
      case 'unparsable':
        log.warn({ probes: outcome.calls }, 'telegram refuses the HTML, so it was never delivered; sending plain text');
        return { kind: 'send', record: { floor: record.floor, text: at.plain, ...(record.media === true ? { media: true } : {}) } };
      case 'inconclusive':
        return { kind: 'unresolved', reason: outcome.reason };
      default: {
        const unexpected: never = outcome;
        throw new Error(`unexpected probe outcome ${JSON.stringify(unexpected)}`);
      }
    }
  };
}

const pick = (record: SendingRecord) => ({
  ...(record.parseMode === undefined ? {} : { parseMode: record.parseMode }),
  ...(record.media === true ? { caption: true } : {}),
});

export type Resolver = ReturnType<typeof createResolver>;
