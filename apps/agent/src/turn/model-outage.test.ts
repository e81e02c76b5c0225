import { describe, expect, it } from 'vitest';
import { AppError } from '@nanobot/core';
import { defaultOutageTiming, toOutageDecision, type OutageTiming } from './model-outage.js';

const timing: OutageTiming = { ...defaultOutageTiming, retryWindowMs: 600_000 };
const down = new AppError('LLM_UNAVAILABLE', 'custom answered 500 for m');

/** The waits of an outage that never ends, each failure 1.5 s after the previous wait (the SDK's own retries). */
function waits(error: AppError, count: number): Array<{ at: number; delayMs: number; notify: boolean }> {
  const since = 0;
  let at = 0;
  let noticed = false;
  const out = [];
  for (let failures = 1; failures <= count; failures += 1) {
    const decision = toOutageDecision({ since, failures, noticed }, error, timing, at);
    if (decision.kind !== 'wait') break;
    out.push({ at, delayMs: decision.delayMs, notify: decision.notify });
    noticed ||= decision.notify;
    at += decision.delayMs + 1_500;
  }
  return out;
}

describe('the wait of a turn through a model outage', () => {
  it('waits 2 s, doubling to 30 s, and wakes up in time to tell the user once after 20 s', () => {
    const steps = waits(down, 9);
    expect(steps.map((s) => s.delayMs)).toEqual([2_000, 4_000, 8_000, 1_500, 30_000, 30_000, 30_000, 30_000, 30_000]);
    expect(steps.filter((s) => s.notify).map((s) => s.at)).toEqual([21_500]);
  });

  it('waits at least what a 429 asks for', () => {
    const limited = new AppError('LLM_UNAVAILABLE', 'custom answered 429 for m', { retryAfterMs: 45_000 });
    expect(toOutageDecision({ since: 0, failures: 1, noticed: true }, limited, timing, 1_000)).toEqual({ kind: 'wait', delayMs: 45_000, notify: false });
  });

  it('tries once more at the end of the window, then gives up', () => {
    expect(toOutageDecision({ since: 0, failures: 30, noticed: true }, down, timing, 590_000)).toEqual({ kind: 'wait', delayMs: 10_000, notify: false });
    expect(toOutageDecision({ since: 0, failures: 31, noticed: true }, down, timing, 600_000)).toEqual({ kind: 'giveUp', forMs: 600_000 });
  });
});
