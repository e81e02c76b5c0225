import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, queueNames, readStatuses } from '@nanobot/bus';
import type { LoadedConfig } from '@nanobot/config';
import type { ProcessInfo } from './pm2-control.js';

const ago = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '-' : `${Math.max(0, Math.round((Date.now() - ms) / 1000))}s ago`;
const duration = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms / 1000)}s`);

export function printConfigSummary(loaded: LoadedConfig, print: (line: string) => void): void {
  const { config } = loaded;
  print(`Config:    ${loaded.path}${loaded.exists ? '' : ' (missing: defaults in use; run `nanobot onboard`)'}`);
  print(`Workspace: ${config.agents.defaults.workspace}`);
  print(`Model:     ${config.agents.defaults.model}`);
  const providers = Object.entries(config.providers)
    .map(([name, p]) => `${name} ${p.apiKey !== '' ? '✓' : p.apiBase !== undefined ? '(apiBase)' : '·'}`)
    .join(', ');
  print(`Providers: ${providers || 'none'}`);
  print(`Redis:     ${loaded.redis.embedded ? `embedded (nanobot-redis) on port ${loaded.redis.port}` : 'external (REDIS_URL)'}`);
}

export function printProcesses(processes: ProcessInfo[], print: (line: string) => void): void {
  const ours = processes.filter((p) => p.name.startsWith('nanobot-'));
  if (ours.length === 0) {
    print('Processes: none running (start with `nanobot start`)');
    return;
  }
  print('Processes:');
  for (const p of ours) {
    print(`  ${p.name.padEnd(24)} ${p.status.padEnd(10)} pid ${String(p.pid).padEnd(8)} restarts ${String(p.restarts).padEnd(4)} up ${duration(p.uptimeMs).padEnd(8)} mem ${Math.round(p.memoryBytes / 1048576)}MB`);
  }
}

/** Channel states and queue counts, read from Redis: the same view from any machine. */
export async function printClusterState(redis: Redis, print: (line: string) => void): Promise<void> {
  const statuses = await readStatuses(redis);
  print('Channels:');
  if (statuses.length === 0) print('  (no process has reported yet)');
  for (const s of statuses) {
    for (const [name, c] of Object.entries(s.channels)) {
      const state = c as Record<string, unknown>;
      const extra = (state.extra ?? {}) as Record<string, unknown>;
      print(
        `  ${name.padEnd(10)} ${String(state.state ?? '?').padEnd(9)} ${s.app}#${s.instance} restarts ${String(state.restarts ?? 0)} ` +
          `failures ${String(state.consecutiveFailures ?? 0)} last poll ${ago((state.lastAliveAt as number | null) ?? (extra.lastPollAt as number | undefined))} ` +
          `next retry ${state.nextRetryAt ? new Date(state.nextRetryAt as number).toISOString() : '-'} last error ${String(state.lastError ?? '-')}`,
      );
    }
  }
  print('Queues:');
  for (const name of [queueNames.inbound, queueNames.outbound('telegram'), queueNames.outbound('whatsapp')]) {
    const queue = new Queue(name, { connection: redis, prefix: bullPrefix });
    try {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
      print(`  ${name.padEnd(18)} waiting ${c.waiting} active ${c.active} delayed ${c.delayed} failed ${c.failed} completed ${c.completed}`);
    } finally {
      await queue.close();
    }
  }
}
