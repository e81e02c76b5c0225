import type { OutboundMessage } from '@nanobot/core';

/** A reply as the terminal prints it: its text, and a line naming each file it carries. */
export function toTerminalText(reply: OutboundMessage): string {
  const files = (reply.kind === 'reply' ? (reply.media ?? []) : []).map((path) => `[file: ${path}]`);
  return [reply.text, ...files].filter((line) => line !== '').join('\n');
}
