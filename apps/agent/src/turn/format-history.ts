import type { HistoryEntry } from '../session-store.js';

/** nanobot's `/history`: 10 messages unless asked, at most 50, each cut at 200 characters. */
export const historyDefaultCount = 10;
export const historyMaxCount = 50;
const maxContentChars = 200;
/** Below Telegram's 4096 characters (design-notes L17), so the list is one message. */
const maxReplyChars = 4000;

export const historyUsage = `Usage: /history [count] — e.g. /history 5 (default: ${historyDefaultCount}, max: ${historyMaxCount})`;

/** The count asked for: empty means the default, a number is clamped to 1…50, anything else is undefined. */
export function parseHistoryCount(args: string): number | undefined {
  const text = args.trim();
  if (text === '') return historyDefaultCount;
  if (!/^-?\d+$/.test(text)) return undefined;
  return Math.max(1, Math.min(Number.parseInt(text, 10), historyMaxCount));
}

function lineOf(entry: HistoryEntry): string | undefined {
  if (entry.role !== 'user' && entry.role !== 'assistant') return undefined;
  // Tool-call steps of the assistant carry no text for the user.
  const content = entry.content.replace(/\s+/g, ' ').trim();
  if (content === '') return undefined;
  const cut = content.length > maxContentChars ? `${content.slice(0, maxContentChars)}…` : content;
  return `${entry.role === 'user' ? '👤 You' : '🤖 Bot'}: ${cut}`;
}

/** The last `count` user and assistant messages, oldest first, in one message Telegram accepts. */
export function formatHistory(entries: readonly HistoryEntry[], count: number): string {
  const lines = entries.map(lineOf).filter((line): line is string => line !== undefined).slice(-count);
  if (lines.length === 0) return 'No conversation history yet.';
  const header = (n: number) => `Last ${n} message(s):`;
  let kept = lines;
  // Drop the oldest lines until the whole list fits.
  while (kept.length > 1 && [header(kept.length), ...kept].join('\n').length > maxReplyChars) kept = kept.slice(1);
  return [header(kept.length), ...kept].join('\n');
}
