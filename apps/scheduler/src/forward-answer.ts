import { UnrecoverableError, type Job } from 'bullmq';
import { describeError, parseOutboundMessage, type OutboundMessage } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { CronStore } from '@nanobot/cron';
import type { Logger } from '@nanobot/log';
import type { FireRecords } from './fire-records.js';
import { isAllClear } from './heartbeat-tasks.js';

export type ForwardDeps = {
  store: CronStore;
  queues: Queues;
  fires: FireRecords;
  log: Logger;
  now: () => number;
};

/**
 * The processor of `outbound-system`: the agent's answers to scheduled turns. Each is recorded
 * in its job's run history and, when the job has a target, sent there as a reply with the same
 * id, so a re-run forwards nothing twice. A heartbeat answer that means "nothing to report"
 * goes nowhere.
 */
export function createAnswerForwarder(deps: ForwardDeps) {
  const { log } = deps;
  return async function forward(job: Job): Promise<void> {
    let reply: OutboundMessage;
    try {
      reply = parseOutboundMessage(job.data);
    } catch (err) {
      log.error({ err, jobId: job.id }, 'system reply is malformed, parking it');
      throw new UnrecoverableError(describeError(err));
    }
    // Scheduled turns do not stream; a preview would be a second copy of the answer.
    if (reply.kind === 'stream') return;
    const record = await deps.fires.get(reply.inReplyTo);
    if (record === undefined) {
      log.warn({ jobId: job.id, inReplyTo: reply.inReplyTo }, 'answer to an unknown scheduled turn, dropped');
      return;
    }
    if (record.heartbeat === true) {
      if (isAllClear(reply.text)) return log.info({ runAtMs: record.runAtMs }, 'heartbeat: all clear, nothing sent');
    } else {
      await deps.store.completeRun(record.cronJobId, record.runAtMs, { durationMs: Math.max(0, deps.now() - record.runAtMs), output: reply.text.slice(0, 200) });
    }
    const target = record.target;
    if (target === undefined) return;
    await deps.queues.addOutbound({
      kind: 'reply',
      id: reply.id,
      inReplyTo: reply.inReplyTo,
      channel: target.channel as OutboundMessage['channel'],
      chatId: target.chatId,
      ...(target.threadId === undefined ? {} : { threadId: target.threadId }),
      text: reply.text,
      format: target.channel === 'telegram' ? 'markdown' : 'plain',
    });
    log.info({ cronJobId: record.cronJobId, channel: target.channel }, 'scheduled answer sent to its chat');
  };
}
