import { toAppError, type AppError, type InboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { ChatMessage, ChatModel } from '../llm/chat-types.js';
import { describeLlmRejection } from '../llm/describe-llm-error.js';
import type { SystemPromptBuilder } from '../context/build-system-prompt.js';
import { withRuntimeContext } from '../context/runtime-context.js';
import { toUserContent } from '../context/to-user-content.js';
import type { MemoryConsolidator } from '../memory/consolidate-memory.js';
import { replies } from '../replies.js';
import type { HistoryEntry, SessionStore } from '../session-store.js';
import type { PathGuard } from '../tools/protected-paths.js';
import type { RecordedStep, ToolCallJournal } from '../tools/tool-call-journal.js';
import type { ToolRegistry, TurnRef } from '../tools/tool-registry.js';
import { runAgentLoop } from './run-agent-loop.js';
import { findAnswer, toChatHistory, toToolEntries } from './session-messages.js';
import { createStreamPreview } from './stream-preview.js';
import { toVisibleAnswer } from './strip-reasoning.js';
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
  /** The turn's runtime context block (the clock), sent after the user's words (runtime-context.ts). */
  runtimeContext?: () => string;
  memoryWindow: number;
  maxToolIterations: number;
  /** Which files a message's `[image: …]` references may show the model. */
  pathGuard: PathGuard;
  log: Logger;
  now: () => Date;
  /** The edit interval when the reply to this message streams (channels.telegram.streaming), else undefined. */
  streamIntervalMs?: (message: TextMessage) => number | undefined;
  /** Hints sent to the chat while the turn runs (progress-hints.ts); none without it. */
  onStep?: (turn: TurnRef, iteration: number, step: RecordedStep) => Promise<void>;
  /** Received files as the model reads them: voice transcribed, files named with their paths (media/prepare-message.ts). */
  prepare?: (message: TextMessage, signal: AbortSignal) => Promise<TextMessage>;
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
  ...(m.sourceMessageId === undefined ? {} : { sourceMessageId: m.sourceMessageId }),
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
/** The reply's text: the answer without the model's inline reasoning (kept in the session). */
const visible = (answer: string) => toVisibleAnswer(answer) || replies.error;

export function createMessageAnswerer(deps: TurnDeps) {
  const userContent = (message: TextMessage) =>
    toUserContent({ text: message.text, media: message.media, vision: deps.model.vision, guard: deps.pathGuard });

  async function buildContext(message: TextMessage, history: HistoryEntry[], joined: TextMessage[], runtime: string | undefined): Promise<ChatMessage[]> {
    const system = await deps.systemPrompt({ channel: message.channel, chatId: message.chatId });
    const users: ChatMessage[] = [{ role: 'user', content: withRuntimeContext(await userContent(message), runtime) }];
    for (const m of joined) users.push({ role: 'user', content: await userContent(m) });
    return [{ role: 'system', content: system }, ...toChatHistory(history.slice(-deps.memoryWindow)), ...users];
  }

  const prepare = async (m: TextMessage, signal: AbortSignal) => (deps.prepare === undefined ? m : deps.prepare(m, signal));

  return async function answer(received: TextMessage, context: TurnContext): Promise<TurnOutcome> {
    const history = await deps.sessions.readAll(received.sessionKey);
    const stored = findAnswer(history, received.id);
    if (stored !== undefined) {
      await clearRecords(received.id);
      if (stored.replySuppressed !== true) await deps.send(toReply(received, visible(stored.content)));
      return done;
    }
    const message = await prepare(received, context.signal);
    const joined = await Promise.all((context.joined ?? []).map((m) => prepare(m, context.signal)));
    const take = context.takeInjected;
    const takeInjected = async (): Promise<ChatMessage[]> => {
      const more = take === undefined ? [] : await take();
      const added: ChatMessage[] = [];
      for (const raw of more) {
        // The turn goes on: in Telegram, typing continues (the reaction on the joined message goes).
        await deps.send({ ...toReply(raw, replies.joined), progress: true });
        const m = await prepare(raw, context.signal);
        joined.push(m);
        added.push({ role: 'user', content: await userContent(m) });
      }
      return added;
    };
    const intervalMs = deps.streamIntervalMs?.(message);
    const preview = intervalMs === undefined ? undefined : createStreamPreview({ send: deps.send, message, intervalMs, log: deps.log });
    let result;
    const runtime = deps.runtimeContext?.();
    try {
      const messages = await buildContext(message, history, joined, runtime);
      const loop = { model: deps.model, tools: deps.tools, journal: deps.journal, maxIterations: deps.maxToolIterations, log: deps.log };
      const turn = toTurnRef(message);
      // A streamed reply shows the model's words already: only the tool hints go as messages of their own.
      const onStep =
        deps.onStep === undefined
          ? {}
          : { onStep: (iteration: number, step: RecordedStep) => deps.onStep?.(turn, iteration, preview === undefined ? step : { ...step, text: '' }) ?? Promise.resolve() };
      const onText = preview === undefined ? {} : { onText: preview.onText };
      result = await runAgentLoop({ ...loop, messages, signal: context.signal, turn, takeInjected, ...onStep, ...onText });
    } catch (err) {
      await preview?.finish();
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
    await preview?.finish();
    const at = deps.now().toISOString();
    const user = (m: TextMessage, injectedInto?: string): HistoryEntry => ({
      role: 'user',
      content: m.text,
      timestamp: at,
      inboundId: m.id,
      ...(injectedInto === undefined ? {} : { injectedInto }),
    });
    const text = result.text === '' ? replies.error : result.text;
    // A streamed preview is already in the chat: only the reply completes it, so it is sent.
    // An API caller waits for the answer itself: it is always sent there (apps/api adds what the tool wrote).
    const suppressed = result.deliveredToChat && joined.length === 0 && preview?.started !== true && message.channel !== 'api';
    await deps.sessions.append(message.sessionKey, [
      { ...user(message), ...(runtime === undefined ? {} : { runtimeContext: runtime }) },
      ...joined.map((m) => user(m, message.id)),
      ...toToolEntries(result.transcript, { timestamp: at, inboundId: message.id }),
      { role: 'assistant', content: text, timestamp: at, inboundId: message.id, usage: result.usage, ...(suppressed ? { replySuppressed: true } : {}) },
    ]);
    await clearRecords(message.id);
    if (suppressed) deps.log.info({ messageId: message.id }, 'answer not sent, the message tool already wrote to the chat');
    else await deps.send(toReply(message, visible(text)));
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
