import type { InboundMessage, OutboundMessage } from '@nanobot/core';

/** Telegram renders Markdown (converted to its HTML); WhatsApp and the terminal get plain text. */
function formatFor(message: InboundMessage): OutboundMessage['format'] {
  return message.channel === 'telegram' ? 'markdown' : 'plain';
}

/**
 * The one reply to an inbound message: its id is derived from the inbound id, so a re-run
 * adds no second one. Other messages about the same inbound message (an outage notice) name
 * their `part`, which is in their id instead of `reply`.
 */
export function toReply(message: InboundMessage, text: string, part = 'reply'): OutboundMessage & { kind: 'reply' } {
  return {
    kind: 'reply',
    id: `${message.id}-${part}`,
    inReplyTo: message.id,
    channel: message.channel,
    chatId: message.chatId,
    threadId: message.threadId,
    replyToMessageId: message.sourceMessageId,
    text,
    format: formatFor(message),
    receivedAt: message.receivedAt,
  };
}

export type SendReply = (reply: OutboundMessage) => Promise<void>;
