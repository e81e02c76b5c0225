import { homedir, hostname } from 'node:os';
import { describeError } from '@nanobot/core';
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

main().catch((err: unknown) => {
  log.fatal({ err }, 'agent failed to start');
  process.exit(1);
});
