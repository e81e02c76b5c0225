import { isImmediateCommand, type InboundMessage, type OutboundMessage } from '@nanobot/core';
import { createAgent, type AgentDeps } from '../create-agent.js';
import { replies } from '../replies.js';
import { toReply } from '../turn/to-reply.js';
import { toTerminalText } from './to-terminal-text.js';

export type ChatRunner = {
  /** Runs one turn and returns the reply texts. */
  run(message: InboundMessage, signal: AbortSignal): Promise<string[]>;
  close(): Promise<void>;
  /** Synchronous, for an exit handler: kills what the tools started (exec commands, MCP servers). */
  killNow?(): void;
};

/**
 * `nanobot agent` without the cluster: the same agent, in this process, against the
 * configured provider; no Redis. Nothing else writes the session while the cluster is down.
 * A model that is down is said so at once: the user is at the terminal to send it again.
 */
export function createLocalRunner(deps: Omit<AgentDeps, 'send'> & { onStream?: (textSoFar: string) => void }): ChatRunner {
  let sink: OutboundMessage[] = [];
  const { onStream, ...agentDeps } = deps;
  const send = async (reply: OutboundMessage) => {
    if (reply.kind === 'stream') onStream?.(reply.text);
    else sink.push(reply);
  };
  // The answer is printed as it streams in when someone watches it (the terminal chat).
  const agent = createAgent({ ...agentDeps, send, ...(onStream === undefined ? {} : { cliStreamIntervalMs: 50 }) });
  // The first message finds the MCP servers' tools (a server that takes longer joins later).
  const mcpReady = agent.mcp.settled(10_000);
  return {
    async run(message, signal) {
      sink = [];
      await mcpReady;
      if (isImmediateCommand(message)) await agent.commands.immediate(message, async () => 0);
      else if ((await agent.handleTurn(message, { signal })).kind === 'unavailable') sink.push(toReply(message, replies.modelDown));
      return sink.map(toTerminalText);
    },
    close: () => agent.mcp.stop(),
    killNow: () => void agent.killCommands(),
  };
}
