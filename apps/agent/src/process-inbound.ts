import { randomUUID } from 'node:crypto';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { AppError, isAppError, parseInboundMessage, type InboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { TurnCanceller } from './cancel-turns.js';
import type { SessionMailbox } from './session-mailbox.js';

/** A turn that crashed its process this many times is answered with an error and skipped. */
const maxTurnTries = 3;

export type HandleTurn = (message: InboundMessage, signal: AbortSignal) => Promise<void>;
export type HandlePoison = (message: InboundMessage) => Promise<void>;

export type ProcessInboundDeps = {
  mailbox: SessionMailbox;
  canceller: TurnCanceller;
  /** Answers `/stop` with how many turns it stopped (0 or 1). */
  answerStop: (message: InboundMessage, stopped: number) => Promise<void>;
  handleTurn: HandleTurn;
  handlePoison: HandlePoison;
  /** Aborted when the process is asked to stop: finish the turn in hand, hand the rest back. */
  shutdown: AbortSignal;
  log: Logger;
};

/**
 * The BullMQ processor of the `inbound` queue: put the message in its session's
 * mailbox, then, if this job gets the session's lease, run the session's turns in
 * order until the mailbox is empty. See session-mailbox.ts for why this keeps
 * per-session order with any number of agent instances.
 */
export function createInboundProcessor(deps: ProcessInboundDeps) {
  return async (job: Job, token?: string): Promise<string> => {
    let message: InboundMessage;
    try {
      message = parseInboundMessage(job.data);
    } catch (err) {
      // A malformed job can never succeed: park it in the failed set, visible for replay.
      deps.log.error({ err, jobId: job.id }, 'inbound job is malformed, parking it');
      throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
    }
    const { sessionKey } = message;
    if (message.kind === 'command' && message.command === 'stop') {
      // Not queued behind the turn it must stop.
      const busy = await deps.mailbox.isBusy(sessionKey);
      if (busy) await deps.canceller.cancel(sessionKey);
      await deps.answerStop(message, busy ? 1 : 0);
      return 'stopped';
    }
    await deps.mailbox.accept(sessionKey, message.id, message.seq, JSON.stringify(message));
    const lease = randomUUID();
    if ((await deps.mailbox.acquire(sessionKey, lease, String(job.id))) !== 1) return 'queued';
    const outcome = await drainSession(deps, sessionKey, lease);
    if (outcome === 'deferred') {
      // Shutting down with messages left: a deferral, not a failed attempt (F5). The job goes
      // back to wait; whoever runs it next takes the lease over (same job id) and goes on.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    return outcome;
  };
}

async function drainSession(
  deps: ProcessInboundDeps,
  sessionKey: string,
  token: string,
): Promise<'drained' | 'deferred' | 'lost'> {
  const lease = new AbortController();
  const renewEveryMs = Math.max(250, Math.floor(deps.mailbox.leaseMs / 3));
  const timer = setInterval(() => {
    deps.mailbox.renew(sessionKey, token).then(
      (result) => {
        if (result !== 1) lease.abort(new AppError('INTERNAL', `lease of session lost`));
      },
      (err: unknown) => deps.log.warn({ err, sessionKey }, 'could not renew session lease'),
    );
  }, renewEveryMs);
  try {
    for (;;) {
      if (lease.signal.aborted) return 'lost';
      const entry = await deps.mailbox.peek(sessionKey);
      if (entry === null) {
        const released = await deps.mailbox.release(sessionKey, token);
        if (released === 1) return 'drained';
        if (released === -1) return 'lost';
        continue;
      }
      if (deps.shutdown.aborted) return 'deferred';
      await runEntry(deps, sessionKey, entry, lease.signal);
      if ((await deps.mailbox.commit(sessionKey, token, entry.id)) !== 1) {
        deps.log.warn({ sessionKey, messageId: entry.id }, 'session lease lost before commit, leaving it to the new holder');
        return 'lost';
      }
    }
  } finally {
    clearInterval(timer);
  }
}

async function runEntry(
  deps: ProcessInboundDeps,
  sessionKey: string,
  entry: { id: string; json: string },
  signal: AbortSignal,
): Promise<void> {
  let message: InboundMessage;
  try {
    message = parseInboundMessage(JSON.parse(entry.json));
  } catch (err) {
    deps.log.error({ err, sessionKey, messageId: entry.id }, 'mailbox entry is malformed, skipping it');
    return;
  }
  const tries = await deps.mailbox.countTry(sessionKey, message.id);
  if (tries > maxTurnTries) {
    deps.log.error({ sessionKey, messageId: message.id, tries }, 'turn crashed too often, answering with an error');
    await deps.handlePoison(message);
    return;
  }
  const turn = new AbortController();
  const onLeaseLost = () => turn.abort(signal.reason);
  signal.addEventListener('abort', onLeaseLost, { once: true });
  const unregister = deps.canceller.register(sessionKey, turn);
  try {
    await deps.handleTurn(message, turn.signal);
  } catch (err) {
    // Infrastructure failures (Redis, queue) leave the message in the mailbox and
    // fail the job, so BullMQ retries it; everything else was answered by handleTurn.
    if (isAppError(err, 'BUS_UNAVAILABLE')) throw err;
    throw new AppError('INTERNAL', `turn failed for ${message.id}`, { cause: err });
  } finally {
    unregister();
    signal.removeEventListener('abort', onLeaseLost);
  }
}
