import { randomUUID } from 'node:crypto';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { stripReasoning } from './strip-reasoning.js';
import { toReply, type SendReply } from './to-reply.js';

export type StreamPreviewOptions = {
  send: SendReply;
  /** The message the streamed reply answers. */
  message: InboundMessage;
  /** At most one update per interval (the channel edits its message once per update). */
  intervalMs: number;
  log: Logger;
  now?: () => number;
};

export type StreamPreview = {
  /** The answer's text so far (reasoning is hidden); the first visible text goes out at once. */
  onText(textSoFar: string): void;
  /** No more updates; waits for those already handed to the queue, so the reply comes after them. */
  finish(): Promise<void>;
  /** Whether a preview went to the queue: the chat may show a message that only the reply completes. */
  readonly started: boolean;
};

/**
 * The agent's side of a streamed reply: updates with the text so far, at most one per interval,
 * as `stream` outbound messages for the reply's id. They are previews: each replaces the last, a
 * lost one costs nothing, and the reply itself (same id as ever, so a re-run adds no second one)
 * finishes the message the channel opened for them. Each run of a turn has its own update ids,
 * so the updates of a re-run after a crash are not taken for the first run's.
 */
export function createStreamPreview(options: StreamPreviewOptions): StreamPreview {
  const now = options.now ?? Date.now;
  const reply = toReply(options.message, '');
  const run = randomUUID().slice(0, 8);
  let seq = 0;
  let latest = '';
  let shown = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  let queue: Promise<void> = Promise.resolve();

  function push(): void {
    timer = undefined;
    if (finished || latest === '' || latest === shown) return;
    shown = latest;
    lastAt = now();
    seq += 1;
    const update: OutboundMessage = {
      kind: 'stream',
      id: `${reply.id}-s${run}-${seq}`,
      replyId: reply.id,
      inReplyTo: options.message.id,
      channel: reply.channel,
      chatId: reply.chatId,
      ...(reply.threadId === undefined ? {} : { threadId: reply.threadId }),
      ...(reply.replyToMessageId === undefined ? {} : { replyToMessageId: reply.replyToMessageId }),
      text: shown,
      format: reply.format,
    };
    queue = queue
      .then(() => options.send(update))
      // A preview that could not be queued is replaced by the next one or by the reply.
      .catch((err: unknown) => options.log.debug({ err, messageId: options.message.id }, 'stream update not queued'));
  }

  return {
    onText(textSoFar) {
      if (finished) return;
      latest = stripReasoning(textSoFar);
      if (timer !== undefined) return;
      const waitMs = lastAt + options.intervalMs - now();
      if (waitMs <= 0) push();
      else timer = setTimeout(push, waitMs);
    },
    get started() {
      return seq > 0;
    },
    async finish() {
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await queue;
    },
  };
}
