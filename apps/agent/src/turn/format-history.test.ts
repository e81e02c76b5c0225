import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../session-store.js';
import { formatHistory, parseHistoryCount } from './format-history.js';

const entry = (role: HistoryEntry['role'], content: string): HistoryEntry => ({ role, content, timestamp: '2026-01-01T00:00:00Z', inboundId: 'm' });

describe('formatHistory', () => {
  it('lists user and assistant messages oldest first, skipping tool steps and empty assistant calls', () => {
    const text = formatHistory([entry('user', 'hi'), entry('assistant', ''), entry('tool', 'result'), entry('assistant', 'hello\nthere')], 10);
    expect(text).toBe('Last 2 message(s):\n👤 You: hi\n🤖 Bot: hello there');
  });

  it('keeps only the last n and cuts each message at 200 characters', () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(i % 2 === 0 ? 'user' : 'assistant', `${i} ${'x'.repeat(300)}`));
    const text = formatHistory(entries, 3);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Last 3 message(s):');
    expect(lines[1]).toMatch(/^🤖 Bot: 27 x+…$/);
    expect(lines[1]?.length).toBeLessThan(220);
  });

  it('stays within one Telegram message when 50 long messages are asked for', () => {
    const entries = Array.from({ length: 60 }, (_, i) => entry('user', `${i} ${'y'.repeat(400)}`));
    const text = formatHistory(entries, 50);
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text).toMatch(/^Last \d+ message\(s\):/);
    expect(text.endsWith(`👤 You: 59 ${'y'.repeat(197)}…`)).toBe(true);
  });

  it('says there is no history yet', () => {
    expect(formatHistory([], 10)).toBe('No conversation history yet.');
  });
});

describe('parseHistoryCount', () => {
  it('defaults to 10, clamps to 1…50 and refuses words', () => {
    expect(parseHistoryCount('')).toBe(10);
    expect(parseHistoryCount(' 5 ')).toBe(5);
    expect(parseHistoryCount('500')).toBe(50);
    expect(parseHistoryCount('0')).toBe(1);
    expect(parseHistoryCount('five')).toBeUndefined();
  });
});
