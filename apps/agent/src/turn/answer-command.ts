import { AppError, isAppError, type ChannelName, type CommandMessage, type InboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { ModelRouter } from '../llm/create-model-router.js';
import type { MemoryConsolidator } from '../memory/consolidate-memory.js';
import { replies } from '../replies.js';
import type { SessionStore } from '../session-store.js';
import type { TurnOutcome } from './handle-turn.js';
import { formatUsage } from './format-usage.js';
import { answerModelCommand, modelStatusLines } from './model-command.js';
import { formatHistory, historyUsage, parseHistoryCount } from './format-history.js';
import { toReply, type SendReply } from './to-reply.js';


export type CommandDeps = {
  send: SendReply;
  sessions: SessionStore;
  memory: MemoryConsolidator;
  /** The session's model and the models being skipped (`/status`), and `/model`. */
  models: ModelRouter;
  startedAt: number;
  now: () => number;
  log: Logger;
  /** `/restart`: asks the chat channel's workers to restart their loop; how many heard it (absent: no cluster). */
  restartChannel?: (channel: ChannelName, reason: string) => Promise<number>;
};

/** The channels whose worker runs a supervised loop that `/restart` can restart. */
const restartableChannels: ReadonlySet<ChannelName> = new Set(['telegram', 'whatsapp']);


export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts = [Math.floor(s / 86400) && `${Math.floor(s / 86400)}d`, Math.floor((s % 86400) / 3600) && `${Math.floor((s % 86400) / 3600)}h`, Math.floor((s % 3600) / 60) && `${Math.floor((s % 3600) / 60)}m`];
  return [...parts.filter(Boolean), `${s % 60}s`].join(' ');
}

export function createCommandAnswerer(deps: CommandDeps) {
  const reply = (message: InboundMessage, text: string) => deps.send(toReply(message, text));

  async function status(message: CommandMessage): Promise<void> {
    const history = await deps.sessions.readAll(message.sessionKey);
    const usages = history.flatMap((e) => (e.role === 'assistant' && e.usage !== undefined ? [e.usage] : []));
    const modelLines = await modelStatusLines(deps.models, message.sessionKey, deps.now());
    const lines = [`🐈 nanobot status`, ...modelLines, `Uptime: ${formatUptime(deps.now() - deps.startedAt)}`, ...formatUsage(usages), `Messages in this session: ${history.length}`];
    await reply(message, lines.join('\n'));
  }

  /** nanobot's `/history [n]`, as plain text: what users wrote is shown, not rendered. */
  async function history(message: CommandMessage): Promise<void> {
    const count = parseHistoryCount(message.args);
    const text = count === undefined ? historyUsage : formatHistory(await deps.sessions.readAll(message.sessionKey), count);
    await deps.send({ ...toReply(message, text), format: 'plain' });
  }

  /** nanobot's /restart restarts the process; ours restarts the chat channel's loop through its supervisor. */
  async function restart(message: CommandMessage): Promise<void> {
    const restartChannel = deps.restartChannel;
    if (restartChannel === undefined || !restartableChannels.has(message.channel)) return reply(message, replies.restartNotHere);
    const reason = `/restart from ${message.sessionKey}`;
    const heard = await restartChannel(message.channel, reason);
    deps.log.info({ channel: message.channel, workers: heard, messageId: message.id }, 'channel restart requested');
    return reply(message, heard > 0 ? replies.restarting(message.channel) : replies.restartNobody(message.channel));
  }

  return {
    /** start, help, status, history, stop, restart: `stop` cancels the session's running turn and says how many it stopped. */
    async immediate(message: CommandMessage, stop: () => Promise<number>): Promise<void> {
      switch (message.command) {
        case 'start':
          return reply(message, replies.start);
        case 'help':
          return reply(message, replies.help);
        case 'status':
          return status(message);
        case 'history':
          return history(message);
        case 'stop': {
          const stopped = await stop();
          return reply(message, stopped > 0 ? replies.stopped(stopped) : replies.noTask);
        }
        case 'restart':
          return restart(message);
        case 'new':
        case 'model':
          throw new AppError('INTERNAL', `/${message.command} must run in its session order`);
        default: {
          const never: never = message.command;
          throw new AppError('MESSAGE_INVALID', `unknown command ${String(never)}`);
        }
      }
    },
    /** `/model [preset]`: in the session's order, so the turns before it keep the model they were sent to. */
    async model(message: CommandMessage): Promise<TurnOutcome> {
      await reply(message, await answerModelCommand(deps.models, message.sessionKey, message.args));
      return { kind: 'done' };
    },
    /**
     * `/new`: older messages go to memory (an LLM summary), then the session starts afresh.
     * A model that is down puts the command back like any turn, so it keeps its place.
     */
    async startNewSession(message: CommandMessage, signal: AbortSignal): Promise<TurnOutcome> {
      const history = await deps.sessions.readAll(message.sessionKey);
      try {
        await deps.memory.consolidate(history, signal);
      } catch (err) {
        if (signal.aborted) return { kind: 'cancelled' };
        if (isAppError(err, 'LLM_UNAVAILABLE')) {
          deps.log.warn({ err, messageId: message.id, code: err.code }, 'model unavailable, the turn will be retried');
          return { kind: 'unavailable', error: err };
        }
        deps.log.error({ err, messageId: message.id }, 'memory consolidation for /new failed');
        await reply(message, replies.newFailed);
        return { kind: 'done' };
      }
      await deps.sessions.archive(message.sessionKey);
      await reply(message, replies.newSession);
      return { kind: 'done' };
    },
  };
}

export type CommandAnswerer = ReturnType<typeof createCommandAnswerer>;
