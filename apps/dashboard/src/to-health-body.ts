import type { Snapshot } from './snapshot.js';

const ageS = (at: number | null, now: number) => (at === null ? null : Math.max(0, Math.round((now - at) / 1000)));

/** `/health`'s JSON: the verdict, the reasons, and the few numbers a monitor may graph. */
export function toHealthBody(snapshot: Snapshot) {
  const { health, state, readAt } = snapshot;
  const inbound = state?.queues.find((q) => q.name === 'inbound');
  return {
    ok: health.ok,
    reasons: health.reasons,
    checkedAt: new Date(readAt).toISOString(),
    channels: Object.fromEntries(
      health.channels.map((c) => {
        const newest = Math.max(0, ...c.instances.map((i) => i.lastAliveAt ?? 0));
        return [c.name, { live: c.live, lastPollAgeS: newest === 0 ? null : ageS(newest, readAt), windowS: Math.round((c.instances[0]?.windowMs ?? 0) / 1000) || null, reason: c.reason }];
      }),
    ),
    agent: { consuming: health.agent.consuming, inboundWorkers: health.agent.inboundWorkers, instances: health.agent.instances.length, reason: health.agent.reason },
    inbound: inbound === undefined ? null : { waiting: inbound.waiting, active: inbound.active, oldestWaitingAgeS: ageS(inbound.oldestWaitingAt, readAt) },
  };
}
