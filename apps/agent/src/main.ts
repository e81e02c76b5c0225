import { homedir, hostname } from 'node:os';
import { describeError, isAppError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { createRedis, createStatusReporter } from '@nanobot/bus';
import { createAgentWorker, type AgentWorker } from './create-agent-worker.js';

const log = createLogger({ name: 'nanobot-agent', level: process.env.LOG_LEVEL });
const startedAt = Date.now();

function fatal(err: unknown): never {
  log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
  process.exit(1);
}

async function loadOrExit(): Promise<LoadedConfig> {
  try {
    return await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    return fatal(err);
  }
}

async function main(): Promise<void> {
  const loaded = await loadOrExit();
  for (const warning of loaded.warnings) log.warn({ warning }, 'config key not recognised');
  let instance: AgentWorker;
  try {
    instance = createAgentWorker({
      config: loaded.config,
      redisUrl: loaded.redis.url,
      log,
      env: process.env,
      runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      startedAt,
      onWorkerFailed: () => process.exit(1),
    });
  } catch (err) {
    if (isAppError(err, 'CONFIG_INVALID')) return waitForConfiguration(loaded, err);
    return fatal(err);
  }
  const { agent, worker, slots } = instance;
  const statusRedis = createRedis({ url: loaded.redis.url, role: 'producer', log, name: 'agent-status' });
  const name = process.env.NODE_APP_INSTANCE ?? String(process.pid);
  const primary = agent.model.targets[0];
  const status = createStatusReporter({
    redis: statusRedis,
    app: 'nanobot-agent',
    instance: name,
    pid: process.pid,
    host: hostname(),
    channels: () => ({
      agent: { state: worker.isRunning() ? 'running' : 'stopped', model: agent.model.model, provider: primary?.provider, turns: slots.inUse() },
    }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing the turns in hand');
    await instance.stop();
    await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
    await statusRedis.quit();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await instance.start();
  // Published before `ready`, so `nanobot agent` finds the running cluster at once.
  await status.publish().catch((err: unknown) => log.warn({ err }, 'could not publish status'));
  status.start();
  log.info({ provider: primary?.provider, model: agent.model.model, instance: name }, 'agent ready');
  process.send?.('ready');
}

/**
 * No usable model provider yet (a fresh `nanobot onboard`): instead of a crash loop
 * under pm2, stay up, say so in `nanobot status`, and take no message — they wait
 * in the inbound queue until the config is fixed and `nanobot restart` is run.
 */
async function waitForConfiguration(loaded: LoadedConfig, err: unknown): Promise<void> {
  log.error({ code: 'CONFIG_INVALID' }, `agent not started: ${describeError(err)}; messages wait in the queue until the config is fixed and \`nanobot restart\` is run`);
  const statusRedis = createRedis({ url: loaded.redis.url, role: 'producer', log, name: 'agent-status' });
  const status = createStatusReporter({
    redis: statusRedis,
    app: 'nanobot-agent',
    instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
    pid: process.pid,
    host: hostname(),
    channels: () => ({ agent: { state: 'unconfigured', lastError: describeError(err), lastErrorCode: 'CONFIG_INVALID' } }),
    onError: (error) => log.debug({ err: error }, 'could not publish status'),
  });
  const stop = async (): Promise<void> => {
    await status.stop().catch((error: unknown) => log.warn({ err: error }, 'could not clear status'));
    await statusRedis.quit();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  status.start();
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'agent failed to start');
  process.exit(1);
});
