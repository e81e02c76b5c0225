import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { readBridgeToken } from './bridge-token.js';
import { createWhatsappWorker } from './whatsapp-worker.js';

const log = createLogger({ name: 'nanobot-whatsapp', level: process.env.LOG_LEVEL });

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
  const settings = loaded.config.channels.whatsapp;
  if (!settings.enabled) {
    log.error('channels.whatsapp.enabled is false: nothing to run');
    process.exit(1);
  }
  const tokenPath = join(loaded.nanobotHome, 'whatsapp-bridge', 'token');
  const worker = createWhatsappWorker({
    redisUrl: loaded.redis.url,
    bridgeUrl: settings.bridgeUrl,
    token: () => readBridgeToken(settings.bridgeToken, tokenPath),
    policy: { allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy },
    log,
    heartbeatMs: 10_000,
    instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
    pid: process.pid,
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping whatsapp worker');
    let code = 0;
    try {
      await worker.stop(signal);
    } catch (err) {
      log.error({ err }, 'whatsapp channel did not stop in time, exiting anyway');
      code = 1;
    }
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await worker.start((err) => {
    log.fatal({ err }, 'whatsapp worker cannot continue, exiting for pm2 to restart');
    process.exit(1);
  });
  log.info('whatsapp worker ready');
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'whatsapp worker failed to start');
  process.exit(1);
});
