import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@nanobot/log';
import { createTypingIndicator } from './typing-indicator.js';

const log = createLogger({ name: 'typing-test', level: 'silent' });

describe('the typing indicator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pings at once and every interval until stopped, in the thread it was started for', async () => {
    const pings: string[] = [];
    const typing = createTypingIndicator({ ping: async (chat, thread) => void pings.push(`${chat}/${thread ?? '-'}`), log, everyMs: 4_000, maxMs: 60_000 });
    typing.start('c1', 't9');
    await vi.advanceTimersByTimeAsync(8_500);
    expect(pings).toEqual(['c1/t9', 'c1/t9', 'c1/t9']);
    typing.stop('c1');
    expect(typing.isTyping('c1')).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pings).toHaveLength(3);
  });

  it('stops by itself at its cap, survives failing pings, and stopAll ends every chat', async () => {
    let calls = 0;
    const typing = createTypingIndicator({ ping: async () => { calls += 1; throw new Error('refused'); }, log, everyMs: 1_000, maxMs: 3_000 });
    typing.start('a');
    typing.start('b');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(typing.isTyping('a')).toBe(false);
    expect(calls).toBeGreaterThanOrEqual(6);
    typing.start('c');
    typing.stopAll();
    expect(typing.isTyping('c')).toBe(false);
  });
});
