import { UnrecoverableError, type Job } from 'bullmq';
import { describeError, parseOutboundMessage, type OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';

/** An outbound job's message; a malformed one is parked (UnrecoverableError) with an error line, never retried. */
export function parseOutboundJob(job: Job, log: Logger): OutboundMessage {
  try {
    return parseOutboundMessage(job.data);
  } catch (err) {
    log.error({ err, jobId: job.id }, 'outbound job is malformed, parking it');
    throw new UnrecoverableError(describeError(err));
  }
}
