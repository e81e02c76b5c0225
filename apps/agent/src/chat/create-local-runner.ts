import { isImmediateCommand, type InboundMessage, type OutboundMessage } from '@nanobot/core';
import { createAgent, type AgentDeps } from '../create-agent.js';
import { replies } from '../replies.js';
import { toReply } from '../turn/to-reply.js';
import { toTerminalText } from './to-terminal-text.js';

export type ChatRunner = {
  /** Runs one turn and returns the reply texts. */
  run(message: InboundMessage, signal: AbortSignal): Promise<string[]>;
  close(): Promise<void>;
};

/**
 * `nanobot agent` without the cluster: the same agent, in this process, against the
 * configured provider; no Redis. Nothing else writes the session while the cluster is down.
 * A model that is down is said so at once: the user is at the terminal to send it again.
 */
export function createLocalRunner(deps: Omit<AgentDeps, 'send'>): ChatRunner {
  let sink: OutboundMessage[] = [];
  const agent = createAgent({ ...deps, send: async (reply) => void sink.push(reply) });
  return {
    async run(message, signal) {
      sink = [];
      if (isImmediateCommand(message)) await agent.commands.immediate(message, async () => 0);
      else if ((await agent.handleTurn(message, { signal })).kind === 'unavailable') sink.push(toReply(message, replies.modelDown));
      return sink.map(toTerminalText);
    },
    close: async () => undefined,
  };
}
