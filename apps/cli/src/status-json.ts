import type { Redis } from 'ioredis';
import { apiProblem, gatewayProblem, toGatewayUrl, type LoadedConfig } from '@nanobot/config';
import type { ProcessStatus } from '@nanobot/bus';
import { describeError } from '@nanobot/core';
import { createCronStore, describeSchedule } from '@nanobot/cron';
import { createClusterReader, enabledChannels, judgeHealth, redisWarnings, type ProcessInfo } from '@nanobot/ops';

export type StatusJsonOptions = {
  loaded: LoadedConfig;
  processes: ProcessInfo[];
  /** Null when Redis could not be reached; `redisError` then says why. */
  redis: Redis | null;
  redisError?: string;
  isGone: (status: ProcessStatus) => boolean;
  now: number;
};

/** What `nanobot status` prints, as one JSON document: never a key or a password, only whether one is set. */
export function toConfigJson(loaded: LoadedConfig) {
  const { config, redis } = loaded;
  const problem = gatewayProblem(config.gateway);
  return {
    path: loaded.path,
    exists: loaded.exists,
    workspace: config.agents.defaults.workspace,
    model: config.agents.defaults.model,
    providers: Object.fromEntries(
      Object.entries(config.providers).map(([name, p]) => [name, { apiKeySet: p.apiKey !== '', apiBase: p.apiBase ?? null }]),
    ),
    redis: redis.embedded
      ? { embedded: true, port: redis.port }
      : { embedded: false, tls: redis.url.startsWith('rediss:'), sentinel: redis.sentinel === undefined ? null : { name: redis.sentinel.name, sentinels: redis.sentinel.nodes.length }, cluster: redis.cluster === undefined ? null : { nodes: redis.cluster.nodes.length } },
    dashboard: problem === null ? { url: toGatewayUrl(config.gateway), problem: null } : { url: null, problem },
    enabledChannels: enabledChannels(config.channels),
    api: config.api === undefined ? null : { host: config.api.host, port: config.api.port, apiKeySet: config.api.apiKey !== '', problem: apiProblem(config.api) },
  };
}

async function readCron(redis: Redis) {
  const store = createCronStore({ redis });
  try {
    return (await store.list()).map((job) => ({
      id: job.id,
      name: job.name,
      enabled: job.enabled,
      schedule: describeSchedule(job.schedule),
      nextRunAt: job.nextRunAtMs === null ? null : new Date(job.nextRunAtMs).toISOString(),
      lastRun: job.runs[0] === undefined ? null : { at: new Date(job.runs[0].runAtMs).toISOString(), status: job.runs[0].status, error: job.runs[0].error ?? null },
    }));
  } finally {
    await store.close();
  }
}

/** The cluster part: channel rows, queue counts, Redis, the health verdict and scheduled jobs. */
async function readClusterJson(redis: Redis, options: StatusJsonOptions) {
  const reader = createClusterReader(redis);
  try {
    const state = await reader.read();
    const health = judgeHealth({ state, enabledChannels: enabledChannels(options.loaded.config.channels), now: options.now, isGone: options.isGone });
    const channels = state.statuses.flatMap((s) =>
      Object.entries(s.channels).map(([name, row]) => ({ name, app: s.app, instance: s.instance, pid: s.pid, host: s.host, ...row })),
    );
    return {
      channels,
      queues: state.queues,
      redis: { reachable: true, ...state.redis, warnings: redisWarnings(state.redis) },
      health: { ok: health.ok, reasons: health.reasons },
      scheduledJobs: await readCron(redis),
    };
  } finally {
    await reader.close();
  }
}

export async function toStatusJson(options: StatusJsonOptions) {
  const base = {
    config: toConfigJson(options.loaded),
    processes: options.processes.filter((p) => p.name.startsWith('nanobot-')).map(({ name, pmId, pid, status, restarts, uptimeMs, memoryBytes, cpu }) => ({ name, pmId, pid, status, restarts, uptimeMs, memoryBytes, cpu })),
  };
  if (options.redis === null) {
    return { ...base, redis: { reachable: false, error: options.redisError ?? 'unreachable' }, health: { ok: false, reasons: [`Redis unreachable: ${options.redisError ?? 'unknown'}`] } };
  }
  try {
    return { ...base, ...(await readClusterJson(options.redis, options)) };
  } catch (err) {
    const error = describeError(err);
    return { ...base, redis: { reachable: false, error }, health: { ok: false, reasons: [`Redis unreachable: ${error}`] } };
  }
}
