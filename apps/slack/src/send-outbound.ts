import { RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import type { WebClient } from '@slack/web-api';
import { AppError, describeError, isAppError, type OutboundMessage } from '@nanobot/core';
import { isRedisTrouble, type PutBackKind, type SendingRecord, type SentMarkers } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { createPutBacks, parseOutboundJob, splitText } from '@nanobot/channel';
import { authErrors, clientErrorCode, slackErrorCode } from './slack-api.js';
import { toMrkdwn } from './to-mrkdwn.js';

/** Where a fault test may kill the sender: after the `sending` mark, or after Slack's answer and before `sent`. */
export type SendFaultPoint = 'after-mark' | 'after-send';

export type SenderDeps = {
  web: WebClient;
  /** Our bot's user id (auth.test), to recognise our own messages in a probe. */
  botUserId: () => Promise<string>;
  markers: SentMarkers;
  log: Logger;
  hold: (ms: number, kind: PutBackKind) => Promise<void>;
  /** Throws LEASE_LOST unless this process still holds the Slack connection lease (checked before each post). */
  fence?: () => Promise<void>;
  /** The connection works again: lifts an outage hold. */
  onSent?: () => void;
  maxPutBacks?: number;
  putBackDelayMs?: (count: number) => number;
  maxChunkChars?: number;
  now?: () => number;
  faultPoint?: (point: SendFaultPoint) => void;
};

/** Tag on every message we post (chat.postMessage `metadata`), so a probe finds exactly this chunk. */
export const metadataEventType = 'nanobot_reply';
/** How far before our own clock a probe looks: Slack's ts comes from Slack's clock. */
const probeSlackS = 300;

type SlackMessage = { ts?: string; text?: string; user?: string; bot_id?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } };

const isOurs = (m: SlackMessage, botUserId: string, ref: string, text: string) => {
  const payload = m.metadata?.event_type === metadataEventType ? m.metadata.event_payload : undefined;
  if (payload !== undefined) return payload.ref === ref;
  return m.user === botUserId && m.text === text;
};

/**
 * The processor of `outbound-slack`: chat.postMessage per chunk, each chunk marked `sending`
 * (with its text and the time it went) before the call and `sent` after Slack's answer. A re-run
 * that finds `sending` (the process died between the two) looks for the chunk in the conversation
 * (conversations.replies in a thread, conversations.history otherwise, from that time on, by the
 * metadata tag we post with, or by bot user and text) and posts it only if it is not there. While
 * Slack is away the job is put back at the head of the queue under a hold, so later replies wait.
 */
export function createSender(deps: SenderDeps) {
  const putBacks = createPutBacks({
    service: 'slack', log: deps.log, hold: deps.hold,
    ...(deps.maxPutBacks === undefined ? {} : { maxPutBacks: deps.maxPutBacks }),
    ...(deps.putBackDelayMs === undefined ? {} : { putBackDelayMs: deps.putBackDelayMs }),
  });
  const now = deps.now ?? Date.now;

  /** Puts the chunk back; past the put-back budget the attempt fails with `err`. */
  async function putBack(message: OutboundMessage, index: number, err: unknown, retryAfterMs?: number): Promise<never> {
    const code = err instanceof AppError ? { code: err.code } : {};
    await putBacks.putBack({ jobId: message.id, chunk: index }, { err, ...code, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    throw err;
  }

  async function probe(message: OutboundMessage, index: number, record: SendingRecord): Promise<boolean> {
    const ref = deps.markers.ref(message.id, index);
    const botUserId = await deps.botUserId();
    const oldest = String(Math.max(0, (record.floor ?? 0) - probeSlackS));
    let cursor: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const base = { channel: message.chatId, oldest, limit: 200, include_all_metadata: true, ...(cursor === undefined ? {} : { cursor }) };
      const answer = message.threadId === undefined
        ? await deps.web.conversations.history(base)
        : await deps.web.conversations.replies({ ...base, ts: message.threadId });
      const messages = (answer.messages ?? []) as SlackMessage[];
      if (messages.some((m) => isOurs(m, botUserId, ref, record.text))) return true;
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (cursor === undefined) return false;
    }
    return false;
  }

  async function sendChunk(message: OutboundMessage, index: number, text: string): Promise<void> {
    const record = await deps.markers.read(message.id, index);
    if (record?.state === 'sent' || record?.state === 'uncertain') return;
    if (record?.state === 'sending') {
      if (await probe(message, index, record)) {
        deps.log.info({ jobId: message.id, chunk: index }, 'reply chunk found in the conversation, not posting it again');
        await deps.markers.mark(message.id, index, 'sent');
        return;
      }
      deps.log.info({ jobId: message.id, chunk: index }, 'reply chunk not in the conversation, posting it');
    }
    await deps.fence?.();
    await deps.markers.markSending(message.id, index, { floor: Math.floor(now() / 1000), text });
    deps.faultPoint?.('after-mark');
    await deps.web.chat.postMessage({
      channel: message.chatId,
      text,
      mrkdwn: true,
      ...(message.threadId === undefined ? {} : { thread_ts: message.threadId }),
      metadata: { event_type: metadataEventType, event_payload: { ref: deps.markers.ref(message.id, index) } },
    });
    deps.faultPoint?.('after-send');
    await deps.markers.mark(message.id, index, 'sent');
  }

  async function onError(message: OutboundMessage, index: number, err: unknown): Promise<never> {
    if (err instanceof RateLimitError || err instanceof UnrecoverableError) throw err;
    // Another process holds the connection now: the reply goes back to the head of the queue for it.
    if (isAppError(err, 'LEASE_LOST')) return putBacks.leaseLost({ jobId: message.id, chunk: index }, 'slack connection');
    // A marker write Redis refused is Redis trouble, not Slack's answer: the chunk keeps its marker.
    if (isRedisTrouble(err)) return putBack(message, index, err);
    const slackCode = slackErrorCode(err);
    const code = clientErrorCode(err);
    if (code === 'slack_webapi_rate_limited_error') {
      // Slack refused the call: nothing was posted.
      await deps.markers.unmark(message.id, index);
      const retryAfterS = (err as { retryAfter?: number }).retryAfter ?? 1;
      return putBack(message, index, new AppError('CHANNEL_RATE_LIMITED', 'slack rate limit'), retryAfterS * 1000);
    }
    if (slackCode !== undefined && code === 'slack_webapi_platform_error') {
      // `ok: false`: Slack answered and posted nothing.
      await deps.markers.unmark(message.id, index);
      if (authErrors.has(slackCode)) return putBack(message, index, new AppError('CHANNEL_FATAL', `slack refused the bot token (${slackCode})`));
      deps.log.error({ jobId: message.id, chunk: index, slackError: slackCode }, 'slack refused the reply');
      throw new UnrecoverableError(`slack refused the reply: ${slackCode}`);
    }
    // No answer (connection refused, reset, timeout, 5xx): the chunk stays `sending`; the next
    // run looks for it before posting.
    return putBack(message, index, new AppError('CHANNEL_UNAVAILABLE', describeError(err), { cause: err }));
  }

  return async function process(job: Job): Promise<void> {
    const message = parseOutboundJob(job, deps.log);
    // Previews of a streamed reply are not shown: the finished reply comes whole.
    if (message.kind === 'stream') return;
    const body = message.format === 'markdown' ? toMrkdwn(message.text) : message.text;
    const chunks = splitText(body, deps.maxChunkChars ?? 39_000);
    for (const [index, text] of chunks.entries()) {
      try {
        await sendChunk(message, index, text);
      } catch (err) {
        await onError(message, index, err);
      }
      deps.onSent?.();
    }
    putBacks.sent(message.id);
  };
}
