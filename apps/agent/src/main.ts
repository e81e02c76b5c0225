import { homedir, hostname } from 'node:os';
import { describeError, isAppError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { createRedis, createStatusReporter, type ProcessStatus, resolveHostName } from '@nanobot/bus';
import { runWorkerProcess, toProcessPort, type RunnableWorker } from '@nanobot/runtime';
import { createAgentWorker } from './create-agent-worker.js';

const log = createLogger({ name: 'nanobot-agent', level: process.env.LOG_LEVEL });
const startedAt = Date.now();
const instanceName = process.env.NODE_APP_INSTANCE ?? String(process.pid);

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
    async close(): Promise<void> {
      await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
      await redis.quit();
    },
  };
}

function createRunningAgent(loaded: LoadedConfig): RunnableWorker {
  const instance = createAgentWorker({
    config: loaded.config,
    nanobotHome: loaded.nanobotHome,
    ...(process.env.PM2_HOME === undefined ? {} : { pm2Home: process.env.PM2_HOME }),
    configPath: loaded.path,
    redisUrl: loaded.redis.url,
    log,
    env: process.env,
    runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    startedAt,
    onWorkerFailed: () => process.exit(1),
  });
  const { agent, worker, slots } = instance;
  // A fatal exit (or any exit) takes the running exec commands along; a graceful stop killed them already.
  process.on('exit', () => agent.killCommands());
  const primary = agent.model.targets[0];
  const reporter = createAgentStatus(loaded, () => ({
    agent: { state: worker.isRunning() ? 'running' : 'stopped', model: agent.model.model, provider: primary?.provider, turns: slots.inUse(), workerId: worker.id },
  }));
  return {
    async start() {
      await instance.start();
      // Published before `ready`, so `nanobot agent` finds the running cluster at once.
      await reporter.status.start();
      log.info({ provider: primary?.provider, model: agent.model.model, instance: instanceName }, 'agent ready');
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
