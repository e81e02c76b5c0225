import { describe, expect, it } from 'vitest';
import { oursKept } from '@nanobot/bus';
import { toProbeWindow } from './resolve-delivery.js';

const chat = (ours: number[], unresolved: Array<{ ref: string; floor: number | null }> = [], seen: number[] = []) => ({ ours, seen, unresolved });

describe('where a reply in doubt may be looked for', () => {
  it('looks above the floor, skipping our own messages', () => {
    expect(toProbeWindow(10, 'a:0', chat([4, 10]))).toEqual({ floor: 10, skip: new Set([4, 10]) });
  });

  it('skips the messages the bot received from others too', () => {
    expect(toProbeWindow(10, 'a:0', chat([4, 10], [], [11, 12, 15]))).toEqual({ floor: 10, skip: new Set([4, 10, 11, 12, 15]) });
  });

  it('stops below the next message we sent after it: a replayed reply never reaches later ones', () => {
    expect(toProbeWindow(10, 'a:0', chat([10, 14, 17]))).toEqual({ floor: 10, below: 14, skip: new Set([10, 14, 17]) });
  });

  it('refuses without a floor', () => {
    expect(toProbeWindow(null, 'a:0', chat([]))).toEqual({ refused: 'no message id of this chat is known to look after' });
  });

  it('refuses while another unresolved reply of the chat may lie in the same range', () => {
    expect(toProbeWindow(12, 'a:0', chat([10], [{ ref: 'b:0', floor: 10 }]))).toMatchObject({ refused: expect.stringContaining('b:0') });
    expect(toProbeWindow(12, 'a:0', chat([], [{ ref: 'b:0', floor: null }]))).toMatchObject({ refused: expect.stringContaining('b:0') });
  });

  it('probes again once a later send of ours bounds the other unresolved reply', () => {
    // b:0 was unresolved above 10; our message 15 went out after it, so b:0 is below 15.
    expect(toProbeWindow(15, 'a:0', chat([10, 15], [{ ref: 'b:0', floor: 10 }]))).toMatchObject({ floor: 15 });
    // A replay of b:0 itself is not held up by its own record.
    expect(toProbeWindow(10, 'b:0', chat([10, 15], [{ ref: 'b:0', floor: 10 }]))).toMatchObject({ floor: 10, below: 15 });
  });

  it('refuses when ids of ours above the floor may have been forgotten', () => {
    const ours = Array.from({ length: oursKept }, (_, i) => 100 + i);
    expect(toProbeWindow(50, 'a:0', chat(ours))).toMatchObject({ refused: expect.stringContaining(`${oursKept}`) });
    expect(toProbeWindow(150, 'a:0', chat(ours))).toMatchObject({ floor: 150, below: 151 });
  });
});
