import type { OutboundMessage } from '@nanobot/core';
import type { PairingStore, Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { UpdateVerdict } from './to-inbound.js';

type Stranger = UpdateVerdict & { kind: 'stranger' };

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
 * nanobot's DM pairing on Telegram: a stranger's first message gets a one-time code, queued as
 * a reply like any other (so it is sent once, design-notes L9); further messages get nothing
 * until the code is approved, denied or expired. A Redis failure throws, and the update stays
 * unconfirmed at Telegram like any message that could not be queued.
 */
export function createPairingGate(deps: { store: Pick<PairingStore, 'offer'>; queues: Pick<Queues, 'addOutbound'>; log: Logger; now?: () => number }): PairingGate {
  const now = deps.now ?? Date.now;
  return {
    async admit(stranger) {
      const offer = await deps.store.offer({ channel: 'telegram', sender: stranger.sender, chatId: stranger.chatId, sourceId: stranger.id });
      switch (offer.kind) {
        case 'approved':
          return { kind: 'approved' };
        case 'issued': {
          const reply: OutboundMessage = {
            kind: 'reply',
            id: `${stranger.id}-pairing`,
            inReplyTo: stranger.id,
            channel: 'telegram',
            chatId: stranger.chatId,
            text: pairingReplyText(offer.code, offer.expiresAt - now()),
            format: 'markdown',
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
          throw new Error(`unknown pairing offer ${String(never)}`);
        }
      }
    },
  };
}
