import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { isImmediateCommand, parseInboundMessage, type CommandMessage, type InboundMessage } from '@nanobot/core';
import { jobNames, type SessionMailbox } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { TurnCanceller } from './cancel-turns.js';
import { drainSession } from './drain-session.js';
import type { TurnSlots } from './turn-slots.js';
import type { HandleTurn } from './turn/create-turn-handler.js';
import type { ModelOutage } from './turn/model-outage.js';

export type HandlePoison = (message: InboundMessage) => Promise<void>;

export type ProcessInboundDeps = {
  mailbox: SessionMailbox;
  canceller: TurnCanceller;
  slots: TurnSlots;
  /** start, help, status and stop: answered at once; `stop` cancels the running turn and returns how many. */
  answerNow: (message: CommandMessage, stop: () => Promise<number>) => Promise<void>;
  handleTurn: HandleTurn;
  handlePoison: HandlePoison;
  /** What a turn the model cannot answer now comes to: put back with backoff, a notice, parked after the window. */
  outage: ModelOutage;
  /** Brings a job out of the delayed set now (the holder of a session whose waiting turn /stop cancelled). */
  wake?: (jobId: string) => Promise<void>;
  /** `/stop` also cancels the session's subagents, wherever they run; how many. */
  stopSubagents?: (sessionKey: string) => Promise<number>;
  /** Aborted when the process is asked to stop: finish the turn in hand, hand the rest back. */
  shutdown: AbortSignal;
  log: Logger;
  /** How long a job without a free turn slot waits in the queue before it is tried again. */
  noSlotDelayMs?: number;
};

/** A channel parks input it could not read as `{ malformed: true, reason, <raw> }`: its reason says why. */
function parkedReason(data: unknown): string | undefined {
  const { malformed, reason } = (typeof data === 'object' && data !== null ? data : {}) as { malformed?: unknown; reason?: unknown };
  return malformed === true && typeof reason === 'string' ? `invalid inbound message: ${reason}` : undefined;
}

/** Why a parked turn was parked (a field beside the message; parsing the message ignores it). */
function parkedReasonOf(data: unknown): string {
  const reason = (data as { parkedReason?: unknown } | null)?.parkedReason;
  return typeof reason === 'string' ? reason : 'the model did not answer';
}

/**
 * The BullMQ processor of the `inbound` queue: put the message in its session's
 * mailbox, then, if this job gets the session's lease, run the session's turns in
 * order until the mailbox is empty. See @nanobot/bus session-mailbox.ts for why this keeps
 * per-session order with any number of agent instances.
 */
export function createInboundProcessor(deps: ProcessInboundDeps) {
  /** `/stop`: the session's turn and its subagents. */
  const stop = async (sessionKey: string): Promise<number> => {
    const subagents = (await deps.stopSubagents?.(sessionKey)) ?? 0;
    return (await stopTurn(sessionKey)) + subagents;
  };

  /** A turn waiting out a model outage is dropped at once; a running one is cancelled wherever it runs. */
  const stopTurn = async (sessionKey: string): Promise<number> => {
    const holder = await deps.mailbox.stopWaiting(sessionKey);
    if (holder !== null) {
      deps.log.info({ sessionKey, jobId: holder }, 'waiting turn cancelled by /stop');
      await deps.wake?.(holder);
      return 1;
    }
    const busy = await deps.mailbox.isBusy(sessionKey);
    if (busy) await deps.canceller.cancel(sessionKey);
    return busy ? 1 : 0;
  };

  return async (job: Job, token?: string): Promise<string> => {
    if (job.name === jobNames.parkedTurn && job.attemptsMade === 0) {
      // A turn that outlived a model outage, added to be kept in the failed set. Once
      // retried (`nanobot retry`, which keeps attemptsMade), it runs as the message it holds.
      const reason = parkedReasonOf(job.data);
      deps.log.warn({ jobId: job.id }, 'turn parked in the failed set, retry it with nanobot retry');
      throw new UnrecoverableError(`${reason}; retry with: nanobot retry ${String(job.id)}`);
    }
    let message: InboundMessage;
    try {
      message = parseInboundMessage(job.data);
    } catch (err) {
      // A malformed job can never succeed: park it in the failed set, visible for replay.
      deps.log.error({ err, jobId: job.id }, 'inbound job is malformed, parking it');
      throw new UnrecoverableError(parkedReason(job.data) ?? (err instanceof Error ? err.message : String(err)));
    }
    const { sessionKey } = message;
    if (isImmediateCommand(message)) {
      // Not queued behind the turn it reports on or must stop.
      await deps.answerNow(message, () => stop(sessionKey));
      return 'answered';
    }
    // Normally in the mailbox since ingress; a job replayed from the failed set may not be.
    await deps.mailbox.accept(message);
    const slot = deps.slots.tryAcquire();
    if (slot === null) {
      // Another job holds the session: it will run this message. Else come back when a slot is
      // free; so does the job the lease is kept for (back from an outage wait, or re-run after
      // its process died), else the session would wait for its next message.
      const holder = await deps.mailbox.leaseJobId(sessionKey);
      if (holder !== null && holder !== String(job.id)) return 'queued';
      await job.moveToDelayed(Date.now() + (deps.noSlotDelayMs ?? 200), token);
      throw new DelayedError();
    }
    try {
      const lease = randomUUID();
      if ((await deps.mailbox.acquire(sessionKey, lease, String(job.id))) !== 1) return 'queued';
      const outcome = await drainSession(deps, sessionKey, lease);
      if (typeof outcome === 'object') {
        // The session's head waits out a model outage; its lease is parked for this job.
        await job.moveToDelayed(outcome.wait, token);
        throw new DelayedError();
      }
      if (outcome === 'deferred') {
        // Shutting down with messages left: a deferral, not a failed attempt (F5). The job goes
        // back to wait; whoever runs it next takes the lease over (same job id) and goes on.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      return outcome;
    } finally {
      slot();
    }
  };
}
