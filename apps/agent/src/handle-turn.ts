import { AppError, describeError, type InboundMessage, type OutboundMessage } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChatMessage, ChatModel } from './chat-model.js';
import { replies } from './replies.js';
import type { SessionStore } from './session-store.js';

export type TurnDeps = {
  queues: Queues;
  sessions: SessionStore;
  model: ChatModel;
  memoryWindow: number;
  systemPrompt: (message: InboundMessage) => string;
  log: Logger;
  startedAt: number;
};

/** Telegram renders Markdown (converted to its HTML); WhatsApp and the terminal get plain text. */
function formatFor(message: InboundMessage): OutboundMessage['format'] {
  return message.channel === 'telegram' ? 'markdown' : 'plain';
}

export function toReply(message: InboundMessage, text: string, suffix = 'reply'): OutboundMessage {
  return {
    kind: 'reply',
    id: `${message.id}-${suffix}`,
    inReplyTo: message.id,
    channel: message.channel,
    chatId: message.chatId,
    threadId: message.threadId,
    replyToMessageId: message.sourceMessageId,
    text,
    format: formatFor(message),
  };
}

/**
 * One turn of a session. Effects are ordered so a re-run (after a crash) adds
 * nothing new: the exchange is written to the session file tagged with the
 * inbound id first, and a re-run finds it there and re-sends the same answer
 * instead of asking the model again; the reply's job id is derived from the
 * inbound id, so the bus drops a second add.
 */
export function createTurnHandler(deps: TurnDeps) {
  const send = (message: InboundMessage, text: string) => deps.queues.addOutbound(toReply(message, text));

  async function answer(message: InboundMessage & { kind: 'message' }, signal: AbortSignal): Promise<void> {
    const history = await deps.sessions.recent(message.sessionKey, deps.memoryWindow + 2);
    const done = history.find((e) => e.inboundId === message.id && e.role === 'assistant');
    if (done !== undefined) {
      await send(message, done.content);
      return;
    }
    const context: ChatMessage[] = [
      { role: 'system', content: deps.systemPrompt(message) },
      ...history.slice(-deps.memoryWindow).map((e) => ({ role: e.role, content: e.content })),
      { role: 'user', content: message.text === '' ? '[empty message]' : message.text },
    ];
    let text: string;
    try {
      text = (await deps.model.complete(context, { signal })).text;
    } catch (err) {
      if (signal.aborted) {
        deps.log.info({ messageId: message.id }, 'turn cancelled');
        return;
      }
      deps.log.error({ err, messageId: message.id, code: (err as AppError).code }, 'turn failed: model call');
      await send(message, replies.error);
      return;
    }
    const now = new Date().toISOString();
    await deps.sessions.append(message.sessionKey, [
      { role: 'user', content: message.text, timestamp: now, inboundId: message.id },
      { role: 'assistant', content: text, timestamp: now, inboundId: message.id },
    ]);
    await send(message, text === '' ? replies.error : text);
  }

  return async function handleTurn(message: InboundMessage, signal: AbortSignal): Promise<void> {
    switch (message.kind) {
      case 'message':
        return answer(message, signal);
      case 'command':
        return command(message);
      default: {
        const never: never = message;
        throw new AppError('MESSAGE_INVALID', `unknown message kind ${describeError(never)}`);
      }
    }
  };

  async function command(message: InboundMessage & { kind: 'command' }): Promise<void> {
    switch (message.command) {
      case 'start':
        await send(message, replies.start);
        return;
      case 'help':
        await send(message, replies.help);
        return;
      case 'new':
        await deps.sessions.archive(message.sessionKey);
        await send(message, replies.newSession);
        return;
      case 'status': {
        const count = (await deps.sessions.readAll(message.sessionKey)).length;
        const uptimeS = Math.round((Date.now() - deps.startedAt) / 1000);
        await send(message, `Model: ${deps.model.model}\nUptime: ${uptimeS}s\nMessages in this session: ${count}`);
        return;
      }
      case 'stop':
        // /stop is answered before it reaches the mailbox (see cancel-turns.ts).
        return;
      default: {
        const never: never = message.command;
        throw new AppError('MESSAGE_INVALID', `unknown command ${String(never)}`);
      }
    }
  }
}
