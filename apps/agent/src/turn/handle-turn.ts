import { toAppError, type AppError, type InboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { ChatMessage, ChatModel } from '../llm/chat-types.js';
import { describeLlmRejection } from '../llm/describe-llm-error.js';
import type { SystemPromptBuilder } from '../context/build-system-prompt.js';
import { toUserContent } from '../context/to-user-content.js';
import type { MemoryConsolidator } from '../memory/consolidate-memory.js';
import { replies } from '../replies.js';
import type { HistoryEntry, SessionStore } from '../session-store.js';
import type { PathGuard } from '../tools/protected-paths.js';
import type { ToolCallJournal } from '../tools/tool-call-journal.js';
import type { ToolRegistry, TurnRef } from '../tools/tool-registry.js';
import { runAgentLoop } from './run-agent-loop.js';
import { findAnswer, toChatHistory, toToolEntries } from './session-messages.js';
import { toReply, type SendReply } from './to-reply.js';

export type TextMessage = InboundMessage & { kind: 'message' };

/**
 * How a turn ended: `done` (answered, with the model's words or with why it cannot be),
 * `cancelled` (by /stop or a lost lease; nothing sent), or `unavailable`: the model did not
 * answer for a passing reason (5xx, 529, 429, timeout, connection) and nothing was sent for
 * the turn's message, so the caller puts the turn back and runs it again later.
 */
export type TurnOutcome = { kind: 'done' } | { kind: 'cancelled' } | { kind: 'unavailable'; error: AppError };

const done: TurnOutcome = { kind: 'done' };
const cancelled: TurnOutcome = { kind: 'cancelled' };

export type TurnDeps = {
  send: SendReply;
  sessions: SessionStore;
  model: ChatModel;
  tools: ToolRegistry;
  /** The turns' tool-call records, so a re-run runs no call twice. */
  journal: ToolCallJournal;
  memory: MemoryConsolidator;
  systemPrompt: SystemPromptBuilder;
  memoryWindow: number;
  maxToolIterations: number;
  /** Which files a message's `[image: …]` references may show the model. */
  pathGuard: PathGuard;
  log: Logger;
  now: () => Date;
};

export type TurnContext = {
  signal: AbortSignal;
  /** Messages that joined this turn in an earlier run of it (a crash re-run). */
  joined?: TextMessage[];
  /** Messages of the session that arrived since the turn started; they join it. */
  takeInjected?: () => Promise<TextMessage[]>;
};

const toTurnRef = (m: TextMessage): TurnRef => ({
  id: m.id,
  channel: m.channel,
  chatId: m.chatId,
  sessionKey: m.sessionKey,
  ...(m.threadId === undefined ? {} : { threadId: m.threadId }),
});

/**
 * Answers one text message with the agent loop. Effects are ordered so a re-run
 * (after a crash) adds nothing new: the exchange is written to the session file
 * tagged with the inbound id before the reply is sent, a re-run finds it and
 * re-sends the stored answer (the bus drops the second add of the same reply id). Tool calls
 * are recorded as they happen (run-agent-loop.ts), so a re-run before that point replays them;
 * the records go once the exchange, tool calls and results included, is in the session file.
 * When the `message` tool already wrote to this chat, the answer is kept but not sent
 * (nanobot's rule), unless other messages joined the turn.
 * Messages that join the turn get `replies.joined` at once; the turn's answer is
 * the reply to the turn's first message. A model that rejects the turn for good
 * (401, 403, a prompt too long) is answered at once with the reason in words; one
 * that is down is the caller's to wait for (`unavailable`).
 */
export function createMessageAnswerer(deps: TurnDeps) {
  const userContent = (message: TextMessage) =>
    toUserContent({ text: message.text, media: message.media, vision: deps.model.vision, guard: deps.pathGuard });

  async function buildContext(message: TextMessage, history: HistoryEntry[], joined: TextMessage[]): Promise<ChatMessage[]> {
    const system = await deps.systemPrompt({ channel: message.channel, chatId: message.chatId });
    const users: ChatMessage[] = [];
    for (const m of [message, ...joined]) users.push({ role: 'user', content: await userContent(m) });
    return [{ role: 'system', content: system }, ...toChatHistory(history.slice(-deps.memoryWindow)), ...users];
  }

  return async function answer(message: TextMessage, context: TurnContext): Promise<TurnOutcome> {
    const history = await deps.sessions.readAll(message.sessionKey);
    const stored = findAnswer(history, message.id);
    if (stored !== undefined) {
      await clearRecords(message.id);
      if (stored.replySuppressed !== true) await deps.send(toReply(message, stored.content));
      return done;
    }
    const joined = [...(context.joined ?? [])];
    const take = context.takeInjected;
    const takeInjected = async (): Promise<ChatMessage[]> => {
      const more = take === undefined ? [] : await take();
      const added: ChatMessage[] = [];
      for (const m of more) {
        await deps.send(toReply(m, replies.joined));
        joined.push(m);
        added.push({ role: 'user', content: await userContent(m) });
      }
      return added;
    };
    let result;
    try {
      const messages = await buildContext(message, history, joined);
      const loop = { model: deps.model, tools: deps.tools, journal: deps.journal, maxIterations: deps.maxToolIterations, log: deps.log };
      result = await runAgentLoop({ ...loop, messages, signal: context.signal, turn: toTurnRef(message), takeInjected });
    } catch (err) {
      if (context.signal.aborted) {
        deps.log.info({ messageId: message.id }, 'turn cancelled');
        return cancelled;
      }
      const error = toAppError(err);
      // Redis away (a tool-call record could not be written or read): the job is retried, nothing is answered.
      // The job was taken over (this process was frozen): the agent running it now answers.
      if (error.code === 'BUS_UNAVAILABLE' || error.code === 'LEASE_LOST') throw error;
      if (error.code === 'LLM_UNAVAILABLE') {
        deps.log.warn({ err, messageId: message.id, code: error.code }, 'model unavailable, the turn will be retried');
        return { kind: 'unavailable', error };
      }
      deps.log.error({ err, messageId: message.id, code: error.code }, 'turn failed');
      await deps.send(toReply(message, error.code === 'LLM_REJECTED' ? describeLlmRejection(error) : replies.error));
      await clearRecords(message.id);
      return done;
    }
    const at = deps.now().toISOString();
    const user = (m: TextMessage, injectedInto?: string): HistoryEntry => ({
      role: 'user',
      content: m.text,
      timestamp: at,
      inboundId: m.id,
      ...(injectedInto === undefined ? {} : { injectedInto }),
    });
    const text = result.text === '' ? replies.error : result.text;
    const suppressed = result.deliveredToChat && joined.length === 0;
    await deps.sessions.append(message.sessionKey, [
      user(message),
      ...joined.map((m) => user(m, message.id)),
      ...toToolEntries(result.transcript, { timestamp: at, inboundId: message.id }),
      { role: 'assistant', content: text, timestamp: at, inboundId: message.id, usage: result.usage, ...(suppressed ? { replySuppressed: true } : {}) },
    ]);
    await clearRecords(message.id);
    if (suppressed) deps.log.info({ messageId: message.id }, 'answer not sent, the message tool already wrote to the chat');
    else await deps.send(toReply(message, text));
    await consolidateOverflow(message.sessionKey, context.signal);
    return done;
  };

  /** The records are only needed until the answer is stored; whatever is left expires on its own. */
  async function clearRecords(messageId: string): Promise<void> {
    await deps.journal.clear(messageId).catch((err: unknown) => deps.log.warn({ err, messageId }, 'could not clear the tool-call records of the turn'));
  }

  /** A session longer than its window: the older half goes to memory, the newer half stays. */
  async function consolidateOverflow(sessionKey: string, signal: AbortSignal): Promise<void> {
    const all = await deps.sessions.readAll(sessionKey);
    if (all.length <= deps.memoryWindow) return;
    const keep = Math.floor(deps.memoryWindow / 2);
    try {
      await deps.memory.consolidate(all.slice(0, all.length - keep), signal);
      await deps.sessions.rewrite(sessionKey, all.slice(all.length - keep));
      deps.log.info({ sessionKey, consolidated: all.length - keep }, 'session consolidated into memory');
    } catch (err) {
      if (signal.aborted) return;
      deps.log.warn({ err, sessionKey }, 'memory consolidation failed, keeping the session as it is');
    }
  }
}
