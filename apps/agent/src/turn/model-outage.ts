import { toJobId, type AppError, type InboundMessage } from '@nanobot/core';
import type { SessionMailbox, SessionOutage } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { replies } from '../replies.js';
import { toReply, type SendReply } from './to-reply.js';

export type OutageTiming = {
  /** How long a session's outage is waited out before its turn is parked (`agents.defaults.retryWindowS`). */
  retryWindowMs: number;
  /** The user is told once the outage has lasted this long. */
  noticeAfterMs: number;
  /** The first put-back's wait; it doubles with every failure of the outage up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
};

export const defaultOutageTiming: Omit<OutageTiming, 'retryWindowMs'> = { noticeAfterMs: 20_000, firstDelayMs: 2_000, maxDelayMs: 30_000 };

export type OutageDecision = { kind: 'wait'; delayMs: number; notify: boolean } | { kind: 'giveUp'; forMs: number };

/**
 * What to do after the session's model call failed again: wait (doubling from
 * `firstDelayMs` to `maxDelayMs`, at least what a 429's Retry-After asks, waking up in
 * time for the notice and for a last try at the end of the window), or give up once
 * the outage has lasted the whole window. `notify`: tell the user now.
 */
export function toOutageDecision(outage: SessionOutage, error: AppError, timing: OutageTiming, nowMs: number): OutageDecision {
  const elapsed = Math.max(0, nowMs - outage.since);
  if (elapsed >= timing.retryWindowMs) return { kind: 'giveUp', forMs: elapsed };
  const exponent = Math.min(Math.max(0, outage.failures - 1), 30);
  let delayMs = Math.min(timing.firstDelayMs * 2 ** exponent, timing.maxDelayMs);
  if (error.retryAfterMs !== undefined) delayMs = Math.max(delayMs, error.retryAfterMs);
  const noticeIn = timing.noticeAfterMs - elapsed;
  if (!outage.noticed && noticeIn > 0) delayMs = Math.min(delayMs, noticeIn);
  delayMs = Math.max(1, Math.min(delayMs, timing.retryWindowMs - elapsed));
  return { kind: 'wait', delayMs, notify: !outage.noticed && noticeIn <= 0 };
}

export type ModelOutageDeps = {
  mailbox: SessionMailbox;
  send: SendReply;
  /** Adds the message as a job that fails into the inbound failed set, for `nanobot retry`. */
  parkTurn: (message: InboundMessage, jobId: string, reason: string) => Promise<void>;
  timing: OutageTiming;
  log: Logger;
  now?: () => number;
};

export type OutageStep = { kind: 'wait'; untilMs: number } | { kind: 'gaveUp' } | { kind: 'lost' };

/**
 * A turn the model could not answer for a passing reason. Every message sent here has
 * an id derived from the inbound id and from how often the turn was set aside before,
 * so a re-run (the agent killed at any point) sends nothing twice: one notice per chat
 * while the outage lasts (the session's outage record says whether it went out), and
 * after the window one message saying the turn is parked, then the turn leaves the
 * session's order and the session goes on.
 */
export function createModelOutage(deps: ModelOutageDeps) {
  const now = deps.now ?? Date.now;

  async function giveUp(message: InboundMessage, token: string, error: AppError, forMs: number): Promise<OutageStep> {
    const round = await deps.mailbox.setAsideCount(message.sessionKey, message.id);
    const jobId = toJobId(`${message.id}-parked-${round}`);
    await deps.parkTurn(message, jobId, `the model did not answer for ${Math.round(forMs / 1000)} s (${error.code}: ${error.message})`);
    await deps.send(toReply(message, replies.modelGaveUp(forMs, jobId), `gaveup-${round}`));
    if ((await deps.mailbox.setAside(message.sessionKey, token, message.id)) !== 1) return { kind: 'lost' };
    deps.log.error({ sessionKey: message.sessionKey, messageId: message.id, jobId, code: error.code, forMs }, 'model outage outlived the retry window, turn parked');
    return { kind: 'gaveUp' };
  }

  return {
    timing: deps.timing,
    async onUnavailable(message: InboundMessage, token: string, error: AppError): Promise<OutageStep> {
      const { sessionKey } = message;
      const outage = await deps.mailbox.noteFailure(sessionKey, token, deps.timing.retryWindowMs);
      if (outage === null) return { kind: 'lost' };
      const decision = toOutageDecision(outage, error, deps.timing, now());
      if (decision.kind === 'giveUp') return giveUp(message, token, error, decision.forMs);
      if (decision.notify) {
        const round = await deps.mailbox.setAsideCount(sessionKey, message.id);
        await deps.send(toReply(message, replies.modelWaiting, `notice-${round}`));
        if ((await deps.mailbox.markNoticed(sessionKey, token)) !== 1) return { kind: 'lost' };
      }
      // The lease outlives the wait a little, so the job's own return finds it reserved.
      const untilMs = now() + decision.delayMs;
      if ((await deps.mailbox.park(sessionKey, token, message.id, decision.delayMs + deps.mailbox.leaseMs)) !== 1) return { kind: 'lost' };
      deps.log.warn({ sessionKey, messageId: message.id, failures: outage.failures, delayMs: decision.delayMs, code: error.code }, 'model unavailable, turn put back');
      return { kind: 'wait', untilMs };
    },
  };
}

export type ModelOutage = ReturnType<typeof createModelOutage>;
