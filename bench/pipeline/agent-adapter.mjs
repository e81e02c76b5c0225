/**
 * The only file of the benchmark that knows the agent's internals: it builds the
 * agent from its own factory (`createAgent`, as apps/agent/src/main.ts does),
 * minus the BullMQ worker, the Redis session mailbox and the turn slots around it.
 * When the agent's modules move or change shape, adapt this file only.
 */
import { createAgent } from '../../apps/agent/dist/create-agent.js';

/**
 * @param {{
 *   config: import('@nanobot/config').Config,
 *   nanobotHome: string,
 *   send: (reply: import('@nanobot/core').OutboundMessage) => Promise<void>,
 *   log: import('@nanobot/log').Logger,
 * }} deps
 * @returns {(message: import('@nanobot/core').InboundMessage, signal: AbortSignal) => Promise<void>}
 */
export function createDirectTurnHandler({ config, nanobotHome, send, log }) {
  const agent = createAgent({
    config,
    nanobotHome,
    send,
    log,
    env: process.env,
    runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    startedAt: Date.now(),
  });
  return (message, signal) => agent.handleTurn(message, { signal });
}
