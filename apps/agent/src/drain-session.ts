import { AppError, isAppError, parseInboundMessage, type InboundMessage } from '@nanobot/core';
import type { MailboxEntry } from '@nanobot/bus';
import type { ProcessInboundDeps } from './process-inbound.js';
import type { TextMessage, TurnOutcome } from './turn/handle-turn.js';

/** A turn that crashed its process this many times is answered with an error and skipped. */
const maxTurnTries = 3;
/** How many waiting messages may join a running turn at one tool iteration. */
const maxJoinPerIteration = 20;

type DrainDeps = Pick<ProcessInboundDeps, 'mailbox' | 'canceller' | 'handleTurn' | 'handlePoison' | 'outage' | 'shutdown' | 'log'>;

/** `{ wait }`: the head's turn waits out a model outage; the job comes back at that time (its lease is parked for it). */
export type DrainOutcome = 'drained' | 'deferred' | 'lost' | { wait: number };

/** What running the head of the mailbox came to: commit these ids, or the session waits / lost its lease. */
type EntryResult = { commit: string[]; modelAnswered: boolean } | { wait: number } | 'set-aside' | 'lost';

/** Runs the session's turns, oldest first, while this job holds the lease. */
export async function drainSession(deps: DrainDeps, sessionKey: string, token: string): Promise<DrainOutcome> {
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
      const result = await runEntry(deps, { sessionKey, token, entry, signal: lease.signal });
      if (result === 'lost') return 'lost';
      if (result === 'set-aside') continue;
      if ('wait' in result) return result;
      if ((await deps.mailbox.commit(sessionKey, token, [entry.id, ...result.commit], { modelAnswered: result.modelAnswered })) !== 1) {
        deps.log.warn({ sessionKey, messageId: entry.id }, 'session lease lost before commit, leaving it to the new holder');
        return 'lost';
      }
    }
  } finally {
    clearInterval(timer);
  }
}

function parseEntry(entry: MailboxEntry): InboundMessage | null {
  try {
    return parseInboundMessage(JSON.parse(entry.json));
  } catch {
    // Reported by the caller with the entry's id; the entry itself is skipped.
    return null;
  }
}

/**
 * Messages that join a running turn: the text messages waiting right after it
 * (a command such as /new ends the run, so it keeps its place in the order).
 */
function createJoiner(deps: DrainDeps, sessionKey: string, turn: InboundMessage, already: string[]) {
  const taken = new Set(already);
  return async (): Promise<TextMessage[]> => {
    const waiting = await deps.mailbox.peekAfter(sessionKey, turn.seq, maxJoinPerIteration + taken.size);
    const joining: TextMessage[] = [];
    for (const entry of waiting) {
      if (taken.has(entry.id)) continue;
      const message = parseEntry(entry);
      if (message === null || message.kind !== 'message') break;
      joining.push(message);
    }
    await deps.mailbox.markInjected(sessionKey, joining.map((m) => m.id), turn.id);
    for (const m of joining) taken.add(m.id);
    if (joining.length > 0) deps.log.info({ sessionKey, messageId: turn.id, joined: joining.length }, 'messages joined the running turn');
    return joining;
  };
}

type Entry = { sessionKey: string; token: string; entry: MailboxEntry; signal: AbortSignal };

/** Runs the turn at the head of the mailbox. */
async function runEntry(deps: DrainDeps, { sessionKey, token, entry, signal }: Entry): Promise<EntryResult> {
  const message = parseEntry(entry);
  if (message === null) {
    deps.log.error({ sessionKey, messageId: entry.id }, 'mailbox entry is malformed, skipping it');
    return { commit: [], modelAnswered: false };
  }
  const tries = await deps.mailbox.countTry(sessionKey, message.id);
  if (tries > maxTurnTries) {
    deps.log.error({ sessionKey, messageId: message.id, tries }, 'turn crashed too often, answering with an error');
    await deps.handlePoison(message);
    return { commit: await deps.mailbox.injectedInto(sessionKey, message.id), modelAnswered: false };
  }
  const outcome = await runTurn(deps, { sessionKey, message, signal });
  const joined = await deps.mailbox.injectedInto(sessionKey, message.id);
  if (outcome.kind !== 'unavailable') return { commit: joined, modelAnswered: outcome.kind === 'done' };
  // The lease was lost while the model failed: the new holder runs the turn again.
  if (signal.aborted) return 'lost';
  const step = await deps.outage.onUnavailable(message, token, outcome.error);
  switch (step.kind) {
    case 'wait':
      return { wait: step.untilMs };
    case 'gaveUp':
      return 'set-aside';
    case 'lost':
      return 'lost';
    default: {
      const never: never = step;
      throw new AppError('INTERNAL', `unknown outage step ${JSON.stringify(never)}`);
    }
  }
}

/** One run of a turn, cancellable by /stop and by the loss of the lease. */
async function runTurn(deps: DrainDeps, turnOf: { sessionKey: string; message: InboundMessage; signal: AbortSignal }): Promise<TurnOutcome> {
  const { sessionKey, message, signal } = turnOf;
  const earlier = await deps.mailbox.injectedInto(sessionKey, message.id);
  const joined = await loadJoined(deps, sessionKey, earlier);
  const turn = new AbortController();
  const onLeaseLost = () => turn.abort(signal.reason);
  signal.addEventListener('abort', onLeaseLost, { once: true });
  const unregister = deps.canceller.register(sessionKey, turn);
  try {
    const takeInjected = createJoiner(deps, sessionKey, message, earlier);
    return await deps.handleTurn(message, { signal: turn.signal, joined, takeInjected });
  } catch (err) {
    // Infrastructure failures (Redis, queue) leave the message in the mailbox and
    // fail the job, so BullMQ retries it; everything else was answered by handleTurn.
    if (isAppError(err, 'BUS_UNAVAILABLE') || isAppError(err, 'LEASE_LOST')) throw err;
    throw new AppError('INTERNAL', `turn failed for ${message.id}`, { cause: err });
  } finally {
    unregister();
    signal.removeEventListener('abort', onLeaseLost);
  }
}

/**
 * After a crash or a put-back: the messages that had joined this turn before (still in the
 * mailbox, or kept beside it while the turn was parked for `nanobot retry`).
 */
async function loadJoined(deps: DrainDeps, sessionKey: string, ids: string[]): Promise<TextMessage[]> {
  if (ids.length === 0) return [];
  const stored = await deps.mailbox.messages(sessionKey, ids);
  return stored
    .map(parseEntry)
    .filter((m): m is TextMessage => m !== null && m.kind === 'message')
    .sort((a, b) => a.seq - b.seq);
}
