import type { AgentWorker } from './create-agent-worker.js';

/** The agent's row of its status record: what `nanobot status` shows, the models being skipped included. */
export function toAgentStatusRow(instance: Pick<AgentWorker, 'agent' | 'worker' | 'slots'>): Record<string, unknown> {
  const { agent, worker, slots } = instance;
  return {
    state: worker.isRunning() ? 'running' : 'stopped',
    model: agent.model.model,
    provider: agent.model.targets[0]?.provider,
    turns: slots.inUse(),
    workerId: worker.id,
    breakers: agent.models.breakers(),
    mcp: agent.mcp.status(),
  };
}
