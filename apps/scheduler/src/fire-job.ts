import type { Job } from 'bullmq';
import type { InboundMessage } from '@nanobot/core';
import type { LastActiveChat, Queues } from '@nanobot/bus';
import { heartbeatJobId, type CronFireData, type CronJob, type CronStore, type CronTarget } from '@nanobot/cron';
import type { Logger } from '@nanobot/log';
import type { FireRecords } from './fire-records.js';
import { fireTimeOf } from './fire-time.js';
import { hasActiveTasks, heartbeatPrompt } from './heartbeat-tasks.js';

export type FireDeps = {
  store: CronStore;
  queues: Queues;
  fires: FireRecords;
  log: Logger;
  now: () => number;
  /** The workspace's HEARTBEAT.md, or undefined when it is missing. */
  readHeartbeat: () => Promise<string | undefined>;
  /** The chat a person wrote from most recently. */
  lastActive: () => Promise<LastActiveChat | undefined>;
};

/** nanobot's framing of a scheduled turn: the agent acts on it and speaks to the user. */
function cronPrompt(job: CronJob): string {
  return [
    'The scheduled time has arrived. Carry out this scheduled job now and tell the user the result,',
    'in their language, directly, without narrating internal steps.',
    '',
    `Scheduled job "${job.name}": ${job.message}`,
  ].join('\n');
}

/**
 * A scheduled turn: on the `system` channel, so its answer comes back to the scheduler (which
 * records it and forwards it to the target chat), in the session it is bound to. Its seq is 0:
 * a due job goes before the messages waiting in that session, never into a running turn.
 */
function toScheduledInbound(options: { id: string; text: string; sessionKey: string; receivedAt: number }): InboundMessage {
  return {
    kind: 'message',
    id: options.id,
    channel: 'system',
    chatId: options.id,
    senderId: 'scheduler',
    sessionKey: options.sessionKey,
    seq: 0,
    receivedAt: options.receivedAt,
    text: options.text,
    media: [],
  };
}

/**
 * The processor of the `cron` queue: turns one fire into one agent turn. The turn's id comes
 * from the job and the fire time, so a fire handled twice (a scheduler killed mid-way, two
 * schedulers) is still one turn.
 */
export function createFireHandler(deps: FireDeps) {
  const { log } = deps;

  async function queueTurn(options: { cronJobId: string; runAtMs: number; text: string; sessionKey: string; target?: CronTarget; heartbeat?: boolean }) {
    const id = `cron-${options.cronJobId}-${options.runAtMs}`;
    const first = await deps.fires.create(id, {
      cronJobId: options.cronJobId,
      runAtMs: options.runAtMs,
      queuedAtMs: deps.now(),
      ...(options.target === undefined ? {} : { target: options.target }),
      ...(options.heartbeat === true ? { heartbeat: true } : {}),
    });
    await deps.queues.addInbound(toScheduledInbound({ id, text: options.text, sessionKey: options.sessionKey, receivedAt: deps.now() }));
    return { id, first };
  }

  async function heartbeat(runAtMs: number): Promise<void> {
    const tasks = await deps.readHeartbeat();
    if (tasks === undefined || !hasActiveTasks(tasks)) {
      log.debug('heartbeat: no active tasks in HEARTBEAT.md');
      return;
    }
    const target = await deps.lastActive();
    if (target === undefined) {
      log.info('heartbeat: active tasks, but nobody has written yet; skipped');
      return;
    }
    const { channel, chatId, sessionKey } = target;
    const to: CronTarget = { channel, chatId, sessionKey, ...(target.threadId === undefined ? {} : { threadId: target.threadId }) };
    await queueTurn({ cronJobId: heartbeatJobId, runAtMs, text: heartbeatPrompt(tasks), sessionKey: 'heartbeat', target: to, heartbeat: true });
    log.info({ runAtMs }, 'heartbeat turn queued');
  }

  return async function fire(job: Job<CronFireData>): Promise<void> {
    const { cronJobId, manual } = job.data;
    const runAtMs = fireTimeOf(job.id, job.timestamp);
    if (cronJobId === heartbeatJobId) return heartbeat(runAtMs);
    const cron = await deps.store.get(cronJobId);
    if (cron === undefined) {
      // Removed while this fire was already queued: nothing to do.
      log.info({ cronJobId }, 'cron job no longer exists, fire dropped');
      return;
    }
    if (!cron.enabled && manual !== true) {
      await deps.store.recordRun(cron.id, { runAtMs, status: 'skipped', durationMs: 0, error: 'disabled' });
      return;
    }
    const sessionKey = cron.deliver?.sessionKey ?? `cron:${cron.id}`;
    const { id, first } = await queueTurn({ cronJobId: cron.id, runAtMs, text: cronPrompt(cron), sessionKey, ...(cron.deliver === undefined ? {} : { target: cron.deliver }) });
    if (first) await deps.store.recordRun(cron.id, { runAtMs, status: 'ok', durationMs: Math.max(0, deps.now() - runAtMs) });
    // A one-shot job is done once it fired; `cron enable` arms it again only if still ahead.
    if (cron.schedule.kind === 'at' && manual !== true) await deps.store.disableAfterRun(cron.id);
    log.info({ cronJobId: cron.id, inboundId: id, runAtMs, late: deps.now() - runAtMs }, 'cron job fired');
  };
}
