import { AppError, type ChannelName, type OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { Queues } from './create-queues.js';
import type { PairingStore } from './pairing-store.js';

/** A private message from a sender outside allowFrom, as a channel describes it. */
export type Stranger = {
  /** The inbound id the message would have had (the code's reply answers it). */
  id: string;
  chatId: string;
  /** The sender as nanobot records it (`id|username` on Telegram); approval matches the part before `|`. */
  sender: string;
};

/** What the stranger reads: the code, how long it lasts and how the owner approves it. */
export function pairingReplyText(code: string, ttlMs: number): string {
  const minutes = Math.max(1, Math.round(ttlMs / 60_000));
  return [
    'Hi! This assistant only answers people its owner approved.',
    '',
    `Your pairing code: \`${code}\` (valid ${minutes} minutes)`,
    '',
    `Send it to the owner, who approves it with \`nanobot pairing approve ${code}\`.`,
  ].join('\n');
}

export type PairingGate = {
  /** `approved`: treat the message as from an allowed sender; otherwise why it is dropped. */
  admit(stranger: Stranger): Promise<{ kind: 'approved' } | { kind: 'ignore'; reason: string }>;
};

/**
 * nanobot's DM pairing: a stranger's first message gets a one-time code, queued as
 * a reply like any other (so it is sent once, design-notes L9); further messages get nothing
 * until the code is approved, denied or expired. A Redis failure throws, and the update stays
 * unconfirmed at Telegram like any message that could not be queued.
 */
export function createPairingGate(deps: {
  channel: ChannelName;
  store: Pick<PairingStore, 'offer'>;
  queues: Pick<Queues, 'addOutbound'>;
  log: Logger;
  now?: () => number;
}): PairingGate {
  const now = deps.now ?? Date.now;
  return {
    async admit(stranger) {
      const offer = await deps.store.offer({ channel: deps.channel, sender: stranger.sender, chatId: stranger.chatId, sourceId: stranger.id });
      switch (offer.kind) {
        case 'approved':
          return { kind: 'approved' };
        case 'issued': {
          const reply: OutboundMessage = {
            kind: 'reply',
            id: `${stranger.id}-pairing`,
            inReplyTo: stranger.id,
            channel: deps.channel,
            chatId: stranger.chatId,
            text: pairingReplyText(offer.code, offer.expiresAt - now()),
            format: deps.channel === 'telegram' ? 'markdown' : 'plain',
          };
          await deps.queues.addOutbound(reply);
          // The code is for the owner's eyes too: it is in `nanobot pairing list`, not in the log.
          deps.log.info({ chatId: stranger.chatId }, 'pairing code sent to a new sender');
          return { kind: 'ignore', reason: 'pairing code sent' };
        }
        case 'pending':
          return { kind: 'ignore', reason: 'pairing code already sent, not approved yet' };
        case 'denied':
          return { kind: 'ignore', reason: 'pairing denied' };
        case 'full':
          deps.log.warn({ chatId: stranger.chatId }, 'too many pairing requests wait: no code sent');
          return { kind: 'ignore', reason: 'too many pairing requests wait' };
        default: {
          const never: never = offer;
          throw new AppError('INTERNAL', `unknown pairing offer ${String(never)}`);
        }
      }
    },
  };
}
