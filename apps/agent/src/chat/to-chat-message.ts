import { commandNames, parseInboundMessage, type CommandName, type InboundMessage } from '@nanobot/core';

/** What ends an interactive `nanobot agent` session (nanobot's words). */
export const exitWords = new Set(['exit', 'quit', '/exit', '/quit', ':q']);

export function isExitWord(text: string): boolean {
  return exitWords.has(text.trim().toLowerCase());
}

/** A terminal line as an inbound message of the `cli` channel (`/new`, `/status`... become commands). */
export function toChatMessage(options: { text: string; sessionKey: string; id: string; seq: number; now: number }): InboundMessage {
  const text = options.text.trim();
  const word = /^\/([a-z]+)(?:\s+([\s\S]*))?$/.exec(text);
  const chatId = options.sessionKey.startsWith('cli:') ? options.sessionKey.slice(4) : options.sessionKey;
  const base = { id: options.id, channel: 'cli', chatId, senderId: 'user', sessionKey: options.sessionKey, seq: options.seq, receivedAt: options.now };
  if (word !== null && (commandNames as readonly string[]).includes(word[1] ?? '')) {
    return parseInboundMessage({ ...base, kind: 'command', command: word[1] as CommandName, args: word[2] ?? '' });
  }
  return parseInboundMessage({ ...base, kind: 'message', text, media: [] });
}
