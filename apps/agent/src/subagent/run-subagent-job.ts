import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { describeError, toAppError, type InboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { ChatModel } from '../llm/chat-types.js';
import type { ToolCallJournal } from '../tools/tool-call-journal.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { runAgentLoop } from '../turn/run-agent-loop.js';
import type { SubagentControl } from './subagent-control.js';
import { announceId, parseSubagentJob, type SubagentJob } from './subagent-job.js';
import { announceText, noFinalAnswer, subagentSystemPrompt, type SubagentOutcome } from './subagent-prompt.js';

/** nanobot's iteration limit of a subagent (the main agent's is `agents.defaults.maxToolIterations`). */
export const subagentMaxIterations = 15;

export type SubagentJobDeps = {
  model: ChatModel;
  /** Files, exec and web: no message, spawn or cron. */
  tools: ToolRegistry;
  /** The subagent's tool calls are recorded under its job id, so a re-run job runs no call twice. */
  journal: ToolCallJournal;
  control: Pick<SubagentControl, 'register' | 'isCancelled' | 'finished'>;
  /** Adds the announcement to the inbound queue (deduplicated by its id). */
  announce: (message: InboundMessage) => Promise<void>;
  /** The agent is stopping: the job goes back to wait and is resumed by the next agent. */
  shutdown: AbortSignal;
  workspace: string;
  timeZone: string;
  now: () => Date;
  log: Logger;
  maxIterations?: number;
};

/** The announcement: an inbound message of the origin session, answered by the main agent like any turn. */
function toAnnouncement(job: SubagentJob, outcome: SubagentOutcome, receivedAt: number): InboundMessage {
  const { origin } = job;
  return {
    kind: 'message',
    id: announceId(job.jobId),
    channel: origin.channel,
    chatId: origin.chatId,
    senderId: 'subagent',
    sessionKey: origin.sessionKey,
    // Like a scheduled turn: before the messages waiting in the session, never into a running turn.
    seq: 0,
    receivedAt,
    ...(origin.threadId === undefined ? {} : { threadId: origin.threadId }),
    ...(origin.sourceMessageId === undefined ? {} : { sourceMessageId: origin.sourceMessageId }),
    text: announceText({ label: job.label, task: job.task, outcome }),
    media: [],
  };
}

/**
 * The processor of the `subagent` queue: nanobot's subagent run as a BullMQ job. It runs the
 * agent loop with its own tools and limit; its result goes to the origin session as a message
 * (nanobot's way: the main agent sums it up for the user), once, under an id derived from the
 * job. A kill -9 leaves the job active without a lock: BullMQ's stalled check hands it to a
 * live agent, which replays the recorded tool calls. A graceful stop puts it back to wait;
 * `/stop` ends it without an announcement.
 */
export function createSubagentProcessor(deps: SubagentJobDeps) {
  const { log } = deps;
  const maxIterations = deps.maxIterations ?? subagentMaxIterations;

  async function run(job: SubagentJob, signal: AbortSignal): Promise<SubagentOutcome> {
    const messages = [
      { role: 'system' as const, content: subagentSystemPrompt({ workspace: deps.workspace, now: deps.now(), timeZone: deps.timeZone }) },
      { role: 'user' as const, content: job.task },
    ];
    const { origin } = job;
    const turn = { id: job.jobId, channel: origin.channel, chatId: origin.chatId, sessionKey: origin.sessionKey };
    const result = await runAgentLoop({ model: deps.model, tools: deps.tools, journal: deps.journal, maxIterations, messages, signal, turn, log });
    const text = result.hitLimit || result.text.trim() === '' ? noFinalAnswer : result.text;
    return { status: 'ok', result: text };
  }

  async function end(job: SubagentJob, outcome: SubagentOutcome | undefined): Promise<void> {
    if (outcome !== undefined) await deps.announce(toAnnouncement(job, outcome, deps.now().getTime()));
    await deps.journal.clear(job.jobId);
    await deps.control.finished(job.origin.sessionKey, job.jobId);
  }

  return async function processSubagent(bullJob: Job, token?: string): Promise<string> {
    let job: SubagentJob;
    try {
      job = parseSubagentJob(bullJob.data);
    } catch (err) {
      // It can never run: parked in the failed set, visible in `nanobot failed`.
      log.error({ err, jobId: bullJob.id }, 'subagent job is malformed, parking it');
      throw new UnrecoverableError(describeError(err));
    }
    const controller = new AbortController();
    const onShutdown = () => controller.abort(deps.shutdown.reason);
    deps.shutdown.addEventListener('abort', onShutdown, { once: true });
    if (deps.shutdown.aborted) onShutdown();
    const unregister = deps.control.register(job.jobId, controller);
    try {
      if (await deps.control.isCancelled(job.jobId)) {
        log.info({ jobId: job.jobId }, 'subagent was cancelled by /stop before it ran');
        await end(job, undefined);
        return 'cancelled';
      }
      log.info({ jobId: job.jobId, label: job.label, sessionKey: job.origin.sessionKey }, 'subagent starting');
      let outcome: SubagentOutcome;
      try {
        outcome = await run(job, controller.signal);
      } catch (err) {
        if (deps.shutdown.aborted) {
          // Not a failed attempt: the next agent resumes it from its recorded tool calls (F5).
          log.info({ jobId: job.jobId }, 'agent stopping: subagent handed back to the queue');
          await bullJob.moveToWait(token);
          throw new WaitingError();
        }
        if (controller.signal.aborted) {
          await end(job, undefined);
          return 'cancelled';
        }
        const error = toAppError(err);
        const lastAttempt = bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1);
        // Redis away or the model down: BullMQ tries again later with what was recorded.
        if ((error.code === 'BUS_UNAVAILABLE' || error.code === 'LLM_UNAVAILABLE') && !lastAttempt) throw error;
        log.error({ err, jobId: job.jobId, code: error.code }, 'subagent failed');
        outcome = { status: 'error', result: `Error: ${describeError(error)}` };
      }
      await end(job, outcome);
      log.info({ jobId: job.jobId, status: outcome.status }, 'subagent finished, result announced');
      return outcome.status;
    } finally {
      unregister();
      deps.shutdown.removeEventListener('abort', onShutdown);
    }
  };
}
