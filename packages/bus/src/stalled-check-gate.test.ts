import { describe, expect, it } from 'vitest';
import { createStalledCheckGate } from './stalled-check-gate.js';

describe('stalled check gate', () => {
  it('waits a settle period after start and after any trouble, then allows one check per interval', () => {
    const gate = createStalledCheckGate({ intervalMs: 3_000, settleMs: 1_000 }, 0);
    expect(gate.take(500)).toBe(false);
    expect(gate.take(1_000)).toBe(true);
    expect(gate.take(2_000)).toBe(false);
    expect(gate.take(4_000)).toBe(true);
    // Redis answered slowly (a freeze): no check until a settle period of good answers.
    gate.unsafe(6_500);
    expect(gate.take(7_000)).toBe(false);
    expect(gate.take(7_499)).toBe(false);
    expect(gate.take(7_500)).toBe(true);
  });
});
