import { homedir, hostname } from 'node:os';
import { describeError, isAppError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { Queue } from 'bullmq';
import { bullPrefix, createRedis, createStatusReporter, queueNames, resolveHostName, type ProcessStatus } from '@nanobot/bus';
import { createWorkerMetrics, startPm2Io, type WorkerMetrics } from '@nanobot/metrics';
import { runWorkerProcess, toProcessPort, type RunnableWorker } from '@nanobot/runtime';
import { toAgentStatusRow } from './agent-status-row.js';
import { createAgentWorker } from './create-agent-worker.js';

const log = createLogger({ name: 'nanobot-agent', level: process.env.LOG_LEVEL });
const startedAt = Date.now();
const instanceName = process.env.NODE_APP_INSTANCE ?? String(process.pid);
// pm2 monit / jlist; unhandled rejections stay fatal (design-notes L12).
const pm2Io = startPm2Io();

/** The agent's pm2 metrics; its queue depth is the inbound queue, what an unconfigured or busy agent lets grow. */
function startAgentMetrics(redis: ReturnType<typeof createRedis>, state: () => string): WorkerMetrics {
  const inbound = new Queue(queueNames.inbound, { connection: redis, prefix: bullPrefix });
  inbound.on('error', (err) => log.debug({ err }, 'metrics queue error'));
  return createWorkerMetrics({ sink: pm2Io, log, state, queueDepth: () => inbound.getJobCountByTypes('waiting', 'prioritized') });
}

/** This process's status record in Redis, from `channels` (the agent's own row). */
function createAgentStatus(loaded: LoadedConfig, channels: () => ProcessStatus['channels']) {
  const redis = createRedis({ url: loaded.redis.url, role: 'producer', log, name: 'agent-status' });
  const status = createStatusReporter({
    redis,
    app: 'nanobot-agent',
    instance: instanceName,
    pid: process.pid,
    host: resolveHostName(process.env, hostname()),
    channels,
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });
  return {
    status,
    redis,
    async close(): Promise<void> {
      await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
      await redis.quit();
    },
  };
}

function createRunningAgent(loaded: LoadedConfig): RunnableWorker {
  let metrics: WorkerMetrics | undefined;
  const instance = createAgentWorker({
    config: loaded.config,
    nanobotHome: loaded.nanobotHome,
    ...(process.env.PM2_HOME === undefined ? {} : { pm2Home: process.env.PM2_HOME }),
    configPath: loaded.path,
    reloadConfig: async () => {
      const reloaded = await loadConfig({ env: process.env, homeDir: homedir(), path: loaded.path });
      for (const warning of reloaded.warnings) log.warn({ warning }, 'config warning');
      return reloaded.config;
    },
    redisUrl: loaded.redis.url,
    log,
    env: process.env,
    runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    startedAt,
    onWorkerFailed: () => process.exit(1),
    // Out: replies queued; latency: from the user's message to its reply in the queue.
    onSent: (reply) => {
      // Previews of a streamed reply and progress hints are not replies.
      if (reply.kind === 'reply' && reply.progress !== true) metrics?.replyOut(reply.receivedAt);
    },
  });
  const { agent } = instance;
  // A fatal exit (or any exit) takes the running exec commands along; a graceful stop killed them already.
  process.on('exit', () => agent.killCommands());
  const reporter = createAgentStatus(loaded, () => ({ agent: toAgentStatusRow(instance) }));
  // A server that connects, drops or fails shows in `nanobot status` within a moment.
  agent.mcp.onChange(() => reporter.status.publishSoon());
  metrics = startAgentMetrics(reporter.redis, () => (instance.worker.isRunning() ? 'running' : 'stopped'));
  instance.worker.on('active', () => metrics?.messageIn());
  return {
    async start() {
      await instance.start();
      // Published before `ready`, so `nanobot agent` finds the running cluster at once.
      await reporter.status.start();
      log.info({ provider: agent.model.targets[0]?.provider, model: agent.model.model, instance: instanceName }, 'agent ready');
    },
    async stop() {
      log.info('stopping: finishing the turns in hand');
      await instance.stop();
      await reporter.close();
    },
  };
}

/**
 * No usable model provider yet (a fresh `nanobot onboard`): instead of a crash loop
 * under pm2, stay up, say so in `nanobot status`, and take no message — they wait
 * in the inbound queue until the config is fixed and `nanobot restart` is run.
 */
function createUnconfiguredAgent(loaded: LoadedConfig, err: unknown): RunnableWorker {
  log.error({ code: 'CONFIG_INVALID' }, `agent not started: ${describeError(err)}; messages wait in the queue until the config is fixed and \`nanobot restart\` is run`);
  const reporter = createAgentStatus(loaded, () => ({
    agent: { state: 'unconfigured', lastError: describeError(err), lastErrorCode: 'CONFIG_INVALID' },
  }));
  startAgentMetrics(reporter.redis, () => 'unconfigured');
  return {
    start: async () => reporter.status.start(),
    stop: () => reporter.close(),
  };
}

await runWorkerProcess({
  name: 'agent',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    try {
      return createRunningAgent(loaded);
    } catch (err) {
      if (isAppError(err, 'CONFIG_INVALID')) return createUnconfiguredAgent(loaded, err);
      throw err;
    }
  },
});
