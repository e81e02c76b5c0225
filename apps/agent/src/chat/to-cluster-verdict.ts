import type { ProcessStatus } from '@nanobot/bus';

/** Where `nanobot agent` sends a message, or why it cannot be answered at all. */
export type ClusterVerdict =
  /** No cluster reports in: answer in this process. */
  | { kind: 'local' }
  /** An agent consumes the inbound queue: send through the cluster. */
  | { kind: 'cluster' }
  /** The cluster runs but nothing would answer: say what is wrong and the fix, queue nothing. */
  | { kind: 'refuse'; message: string }
  /** An agent reports running but no worker is connected yet (pm2 restarting it): ask again shortly. */
  | { kind: 'wait' };

export type VerdictInput = {
  statuses: ProcessStatus[];
  /** Workers on `inbound`; null where Redis does not list clients. */
  inboundWorkers: number | null;
  configPath: string;
  /** The last look: a `wait` becomes a `refuse`. */
  final: boolean;
};

const agentState = (status: ProcessStatus) => {
  const row = status.channels.agent ?? {};
  return { state: String(row.state ?? '?'), lastError: typeof row.lastError === 'string' ? row.lastError : null };
};

/**
 * A message sent into a cluster whose agent cannot take it would wait in silence, so the
 * cluster is used only while an agent consumes; otherwise the person is told why at once.
 */
export function toClusterVerdict(input: VerdictInput): ClusterVerdict {
  const agents = input.statuses.filter((s) => s.app === 'nanobot-agent').map(agentState);
  const running = agents.filter((a) => a.state === 'running').length;
  const consuming = input.inboundWorkers === null ? running > 0 : input.inboundWorkers > 0;
  if (consuming) return { kind: 'cluster' };
  const unconfigured = agents.find((a) => a.state === 'unconfigured');
  if (unconfigured !== undefined) {
    return {
      kind: 'refuse',
      message:
        `the cluster's agent is not configured, so nothing would answer: ${unconfigured.lastError ?? 'no usable model provider'}. ` +
        `Fix: put a provider key in ${input.configPath} (e.g. providers.openrouter.apiKey), then run \`nanobot restart\`.`,
    };
  }
  if (input.statuses.length === 0) return { kind: 'local' };
  if (running > 0 && !input.final) return { kind: 'wait' };
  return {
    kind: 'refuse',
    message:
      'the cluster is running but no agent is consuming messages (nanobot-agent is stopped, crashing or restarting). ' +
      'Fix: `nanobot status` shows why, `nanobot start` starts it; or `nanobot agent --local` answers in this process.',
  };
}
