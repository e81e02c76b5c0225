import { homedir, hostname } from 'node:os';
import { describeError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { createTelegramWorker, type TelegramWorker } from './telegram-worker.js';

const log = createLogger({ name: 'nanobot-telegram', level: process.env.LOG_LEVEL });

async function loadOrExit(): Promise<LoadedConfig> {
  try {
    return await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const loaded = await loadOrExit();
  for (const warning of loaded.warnings) log.warn({ warning }, 'config key not recognised');
  const settings = loaded.config.channels.telegram;
  if (!settings.enabled) {
    log.error('channels.telegram.enabled is false: nothing to run');
    process.exit(1);
  }
  let worker: TelegramWorker;
  try {
    worker = createTelegramWorker({
      settings,
      redisUrl: loaded.redis.url,
      log,
      // pm2 keeps pm_id for a process slot across restarts: a restarted worker reclaims its own lease.
      holder: `${hostname()}:${process.env.pm_id ?? `pid${process.pid}`}`,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
    });
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping telegram worker');
    let code = 0;
    try {
      await worker.stop(signal);
    } catch (err) {
      log.error({ err }, 'telegram channel did not stop in time, exiting anyway');
      code = 1;
    }
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await worker.start((err) => {
    log.fatal({ err }, 'telegram channel could not be stopped or restarted, exiting for pm2 to restart');
    process.exit(1);
  });
  log.info('telegram worker ready');
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'telegram worker failed to start');
  process.exit(1);
});
