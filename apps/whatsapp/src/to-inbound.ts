import { isAllowedWhatsappAuthor, toSessionKey, type CommandName, type InboundMessage } from '@nanobot/core';
import type { MessageFrame } from './bridge-frames.js';

export type InboundPolicy = { allowFrom: string[]; groupPolicy: 'mention' | 'open' };

export type FrameVerdict =
  | { kind: 'accept'; message: InboundMessage }
  | { kind: 'ignore'; reason: string }
  /** A direct message from a sender not in allowFrom: pairing decides. `sender` is the bare phone number (or LID). */
  | { kind: 'stranger'; id: string; chatId: string; sender: string };

const commands = new Set<CommandName>(['start', 'new', 'stop', 'help', 'status', 'model', 'history', 'restart']);

/** nanobot's allowFrom (see isAllowedWhatsappAuthor; the bridge applies the same rule to media). */
export const isAllowed = (allowFrom: string[], frame: MessageFrame): boolean => isAllowedWhatsappAuthor(allowFrom, frame);

function parseCommand(text: string): { command: CommandName; args: string } | undefined {
  const match = /^\/([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  const name = match?.[1]?.toLowerCase() as CommandName | undefined;
  if (name === undefined || !commands.has(name)) return undefined;
  return { command: name, args: (match?.[2] ?? '').trim() };
}

/** The delivery id the bridge wants acknowledged; nanobot's own bridge has none, so derive it. */
export const deliveryIdOf = (frame: MessageFrame) => frame.deliveryId ?? `${frame.sender}/${frame.id}`;

/**
 * Turn order inside a session: WhatsApp's timestamp (s), refined by the bridge's sequence
 * within a second. Stays a safe integer (timestamps ~1.8e9 × 1e6).
 */
const seqOf = (frame: MessageFrame) => Math.max(0, Math.floor(frame.timestamp)) * 1_000_000 + ((frame.seq ?? 0) % 1_000_000);

/** Turns one bridge message frame into an inbound message, or says why it is not one. */
export function toInbound(frame: MessageFrame, policy: InboundPolicy, receivedAt: number): FrameVerdict {
  if (!isAllowed(policy.allowFrom, frame)) {
    // nanobot's pairing is for direct messages only; strangers in groups are ignored.
    if (frame.isGroup) return { kind: 'ignore', reason: 'sender not in allowFrom' };
    const author = frame.pn !== '' ? frame.pn : frame.sender;
    const sender = (author.split('@')[0] ?? author).split(':')[0] ?? author;
    return { kind: 'stranger', id: `wa-${deliveryIdOf(frame)}`, chatId: frame.sender, sender };
  }
  const command = parseCommand(frame.content);
  if (frame.isGroup && command === undefined && policy.groupPolicy === 'mention' && frame.wasMentioned !== true) {
    return { kind: 'ignore', reason: 'group message without mention' };
  }
  const chatId = frame.sender;
  const base = {
    id: `wa-${deliveryIdOf(frame)}`,
    channel: 'whatsapp' as const,
    chatId,
    senderId: frame.participant ?? (frame.pn !== '' ? frame.pn : frame.sender),
    sessionKey: toSessionKey('whatsapp', chatId),
    seq: seqOf(frame),
    receivedAt,
    sourceMessageId: frame.id,
  };
  if (command !== undefined) return { kind: 'accept', message: { ...base, kind: 'command', ...command } };
  // The agent names the files with their paths (and shows images, transcribes voice).
  return { kind: 'accept', message: { ...base, kind: 'message', text: frame.content, media: frame.media ?? [] } };
}
