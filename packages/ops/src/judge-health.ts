import type { ProcessStatus } from '@nanobot/bus';
import { judgeChannels, type ChannelView } from './judge-channels.js';
import type { ClusterState } from './read-cluster-state.js';
import { redisPressure } from './redis-pressure.js';

export type AgentView = {
  /** Some agent can take a message now: a BullMQ worker is on `inbound` (or, where Redis won't list clients, an agent reports running). */
  consuming: boolean;
  /** Agent instances by their own report: running, unconfigured, stopped... */
  instances: Array<{ instance: string; pid: number; host: string; state: string; model: string | null; turns: number; lastError: string | null }>;
  inboundWorkers: number | null;
  reason: string | null;
};

export type Health = {
  ok: boolean;
  /** One line per problem, each naming what is down and why. */
  reasons: string[];
  channels: ChannelView[];
  agent: AgentView;
};

function judgeAgent(statuses: ProcessStatus[], inboundWorkers: number | null): AgentView {
  const instances = statuses
    .filter((s) => s.app === 'nanobot-agent')
    .map((s) => {
      const row = s.channels.agent ?? {};
      return {
        instance: s.instance,
        pid: s.pid,
        host: s.host,
        state: typeof row.state === 'string' ? row.state : '?',
        model: typeof row.model === 'string' ? row.model : null,
        turns: typeof row.turns === 'number' ? row.turns : 0,
        lastError: typeof row.lastError === 'string' ? row.lastError : null,
      };
    });
  const running = instances.filter((i) => i.state === 'running');
  const consuming = inboundWorkers === null ? running.length > 0 : inboundWorkers > 0;
  let reason: string | null = null;
  if (!consuming) {
    const unconfigured = instances.find((i) => i.state === 'unconfigured');
    if (unconfigured !== undefined) reason = `unconfigured: ${unconfigured.lastError ?? 'no usable model provider'}; messages wait in the queue`;
    else if (instances.length === 0) reason = 'no agent instance is running (nanobot-agent); messages wait in the queue';
    else reason = 'no agent worker is connected to the inbound queue; messages wait in the queue';
  }
  return { consuming, instances, inboundWorkers, reason };
}

export type JudgeHealthOptions = {
  state: ClusterState;
  enabledChannels: string[];
  now: number;
  /** True for a record left by a process that is gone (killed before it could clear it). */
  isGone?: (status: ProcessStatus) => boolean;
};

/**
 * The cluster is healthy when every enabled channel is live and at least one agent consumes
 * the inbound queue: a monitor sees a deaf channel or a stopped agent, not just a live port.
 */
export function judgeHealth(options: JudgeHealthOptions): Health {
  const isGone = options.isGone ?? (() => false);
  const statuses = options.state.statuses.filter((s) => !isGone(s));
  const channels = judgeChannels({ statuses, enabled: options.enabledChannels, now: options.now });
  const agent = judgeAgent(statuses, options.state.inboundWorkers);
  const reasons = channels
    .filter((c) => options.enabledChannels.includes(c.name) && !c.live)
    .map((c) => `${c.name}: ${c.reason ?? 'not live'}`);
  if (agent.reason !== null) reasons.push(`agent: ${agent.reason}`);
  const pressure = redisPressure(options.state.redis);
  if (pressure !== null) reasons.unshift(`redis: ${pressure}`);
  return { ok: reasons.length === 0, reasons, channels, agent };
}
