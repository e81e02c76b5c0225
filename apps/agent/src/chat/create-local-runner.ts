import { isImmediateCommand, type InboundMessage, type OutboundMessage } from '@nanobot/core';
import { createAgent, type AgentDeps } from '../create-agent.js';

export type ChatRunner = {
  /** Runs one turn and returns the reply texts. */
  run(message: InboundMessage, signal: AbortSignal): Promise<string[]>;
  close(): Promise<void>;
};

/**
 * `nanobot agent` without the cluster: the same agent, in this process, against the
 * configured provider; no Redis. Nothing else writes the session while the cluster is down.
 */
export function createLocalRunner(deps: Omit<AgentDeps, 'send'>): ChatRunner {
  let sink: OutboundMessage[] = [];
  const agent = createAgent({ ...deps, send: async (reply) => void sink.push(reply) });
  return {
    async run(message, signal) {
      sink = [];
      if (isImmediateCommand(message)) await agent.commands.immediate(message, async () => 0);
      else await agent.handleTurn(message, { signal });
      return sink.map((reply) => reply.text);
    },
    close: async () => undefined,
  };
}
