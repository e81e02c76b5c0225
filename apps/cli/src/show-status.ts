import type { Redis } from 'ioredis';
import { apiProblem, gatewayProblem, resolveModelSpec, toGatewayUrl, type LoadedConfig } from '@nanobot/config';
import { readHosts, type ProcessStatus } from '@nanobot/bus';
import { createCronStore, describeSchedule } from '@nanobot/cron';
import { toHostLines } from './show-hosts.js';
import { createClusterReader, enabledChannels, judgeHealth, redisWarnings, type ProcessInfo, type QueueView, type RedisView } from '@nanobot/ops';
import { toMcpLines } from './mcp-status-lines.js';

const ago = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '-' : `${Math.max(0, Math.round((Date.now() - ms) / 1000))}s ago`;
const duration = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms / 1000)}s`);
const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)}MB`;

export function printConfigSummary(loaded: LoadedConfig, print: (line: string) => void): void {
  const { config } = loaded;
  print(`Config:    ${loaded.path}${loaded.exists ? '' : ' (missing: defaults in use; run `nanobot onboard`)'}`);
  print(`Workspace: ${config.agents.defaults.workspace}`);
  const model = resolveModelSpec(config);
  print(`Model:     ${model.model}${model.preset === undefined || model.preset === 'default' ? '' : ` (preset ${model.preset})`}`);
  const providers = Object.entries(config.providers)
    .map(([name, p]) => `${name} ${p.apiKey !== '' ? '✓' : p.apiBase !== undefined ? '(apiBase)' : '·'}`)
    .join(', ');
  print(`Providers: ${providers || 'none'}`);
  const { redis } = loaded;
  print(`Redis:     ${redis.embedded ? `embedded (nanobot-redis) on port ${redis.port}, password in ${redis.passwordFile ?? '?'}` : toExternalRedisLine(loaded)}`);
  print(`Dashboard: ${toDashboardLine(loaded)}`);
  if (config.api !== undefined) print(`API:       ${toApiLine(config.api)}`);
}

/** Never the URL itself: it may carry a password. */
function toExternalRedisLine(loaded: LoadedConfig): string {
  const { sentinel, cluster } = loaded.redis;
  const tls = loaded.redis.url.startsWith('rediss:') ? ', TLS' : '';
  if (cluster !== undefined) return `Redis Cluster via ${cluster.nodes.length} configured node(s), keys tagged {nb}${tls}`;
  if (sentinel !== undefined) return `Sentinel master "${sentinel.name}" via ${sentinel.nodes.length} sentinel(s)${tls}`;
  return `external (REDIS_URL or redis.url)${tls}`;
}

/** Where nanobot-api answers, or why it does not run. */
export function toApiLine(api: NonNullable<LoadedConfig['config']['api']>): string {
  const problem = apiProblem(api);
  const host = api.host.includes(':') && !api.host.startsWith('[') ? `[${api.host}]` : api.host;
  return problem === null ? `http://${host}:${api.port}/v1 (nanobot-api, ${api.apiKey === '' ? 'no key' : 'Bearer key'})` : `not started: ${problem}`;
}

/** Where the dashboard answers, or why it does not run. */
export function toDashboardLine(loaded: LoadedConfig): string {
  const problem = gatewayProblem(loaded.config.gateway);
  return problem === null ? `${toGatewayUrl(loaded.config.gateway)} (health: /health)` : `not started: ${problem}`;
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

type ChannelRow = Record<string, unknown> & { extra?: Record<string, unknown> };

/** One line per channel instance; a bad token shows as `fatal`, a waiting standby as `standby`. */
export function toChannelLine(name: string, app: string, instance: string, row: ChannelRow): string {
  const extra = row.extra ?? {};
  const fatal = row.lastErrorCode === 'CHANNEL_FATAL' && row.state === 'backoff';
  const state = fatal ? 'fatal' : String(row.state ?? '?');
  const role = typeof extra.role === 'string' ? extra.role : '-';
  const nextRetry = typeof row.nextRetryAt === 'number' ? `in ${Math.max(0, Math.round((row.nextRetryAt - Date.now()) / 1000))}s` : '-';
  const lastPoll = ago((row.lastAliveAt as number | null | undefined) ?? (extra.lastPollAt as number | undefined));
  return [
    `  ${name.padEnd(9)}`,
    state.padEnd(9),
    role.padEnd(8),
    `${app}#${instance}`.padEnd(22),
    `restarts ${String(row.restarts ?? 0)}`.padEnd(12),
    `failures ${String(row.consecutiveFailures ?? 0)}`.padEnd(12),
    `last poll ${lastPoll}`.padEnd(20),
    `next retry ${nextRetry}`.padEnd(18),
    `last error ${String(row.lastError ?? '-')}`,
  ].join(' ');
}

type BreakerRow = { id?: unknown; state?: unknown; failures?: unknown; probeAt?: unknown };

/** The agent's models that are failing or skipped (its circuit breakers), one line each. */
export function toBreakerLines(row: ChannelRow): string[] {
  const breakers = Array.isArray(row.breakers) ? (row.breakers as BreakerRow[]) : [];
  return breakers
    .filter((b) => b.state !== 'closed' || (typeof b.failures === 'number' && b.failures > 0))
    .map((b) => {
      const probe = typeof b.probeAt === 'number' ? `, probe in ${Math.max(0, Math.round((b.probeAt - Date.now()) / 1000))}s` : '';
      const state = b.state === 'open' ? 'skipped (circuit open)' : b.state === 'half-open' ? 'next request probes it' : 'failing';
      return `    model ${String(b.id)}: ${state}, ${String(b.failures)} failure(s) in a row${b.state === 'open' ? probe : ''}`;
    });
}

export function toQueueLine(q: QueueView): string {
  const oldest = q.oldestWaitingAt === null ? '' : `  oldest waiting ${ago(q.oldestWaitingAt)}`;
  return `  ${q.name.padEnd(18)} waiting ${q.waiting} active ${q.active} delayed ${q.delayed} failed ${q.failed} completed ${q.completed}${oldest}`;
}

export function toRedisLine(view: RedisView): string {
  const limit = view.maxmemoryBytes > 0 ? `of ${megabytes(view.maxmemoryBytes)}` : '(no limit)';
  return `  version ${view.version}, AOF ${view.aofEnabled ? 'on' : 'off'}, memory ${megabytes(view.usedMemoryBytes)} ${limit}, policy ${view.maxmemoryPolicy}`;
}

export type ClusterStateOptions = { loaded: LoadedConfig; isGone: (status: ProcessStatus) => boolean };

/** Channel states, queue counts, Redis and the health verdict, read from Redis: the same view from any machine. */
export async function printClusterState(redis: Redis, print: (line: string) => void, options: ClusterStateOptions): Promise<void> {
  const reader = createClusterReader(redis);
  try {
    const state = await reader.read();
    print('Channels:');
    if (state.statuses.length === 0) print('  (no process has reported yet)');
    for (const s of state.statuses) {
      for (const [name, row] of Object.entries(s.channels)) {
        print(toChannelLine(name, s.app, s.instance, row as ChannelRow));
        for (const line of toMcpLines(row)) print(line);
        for (const line of toBreakerLines(row as ChannelRow)) print(line);
      }
    }
    print('Hosts:');
    for (const line of toHostLines({ statuses: state.statuses, hosts: await readHosts(redis), isGone: options.isGone, now: Date.now() })) print(line);
    print('Queues:');
    for (const q of state.queues) print(toQueueLine(q));
    print('Redis:');
    print(toRedisLine(state.redis));
    for (const warning of redisWarnings(state.redis)) print(`  warning: ${warning}`);
    const health = judgeHealth({ state, enabledChannels: enabledChannels(options.loaded.config.channels), now: Date.now(), isGone: options.isGone });
    print(`Health:    ${health.ok ? 'ok' : 'DOWN'}`);
    for (const reason of health.reasons) print(`  ${reason}`);
  } finally {
    await reader.close();
  }
  await printCronJobs(redis, print);
}

/** Scheduled jobs with their next and last run, as `nanobot cron list --all` shows them. */
async function printCronJobs(redis: Redis, print: (line: string) => void): Promise<void> {
  const store = createCronStore({ redis });
  try {
    const jobs = await store.list();
    print(`Scheduled jobs: ${jobs.length === 0 ? 'none' : ''}`);
    for (const job of jobs) {
      const last = job.runs[0];
      const lastText = last === undefined ? 'never' : `${ago(last.runAtMs)} ${last.status}${last.error === undefined ? '' : ` (${last.error})`}`;
      const next = job.nextRunAtMs === null ? '-' : new Date(job.nextRunAtMs).toISOString();
      print(`  ${job.id.padEnd(10)} ${(job.enabled ? 'enabled' : 'disabled').padEnd(9)} ${job.name.slice(0, 24).padEnd(24)} ${describeSchedule(job.schedule).padEnd(28)} next ${next}  last ${lastText}`);
    }
  } finally {
    await store.close();
  }
}
