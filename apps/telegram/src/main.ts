import { homedir, hostname } from 'node:os';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createTelegramWorker } from './telegram-worker.js';

const log = createLogger({ name: 'nanobot-telegram', level: process.env.LOG_LEVEL });

await runWorkerProcess({
  name: 'telegram worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.telegram;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.telegram.enabled is false: nothing to run');
    return createTelegramWorker({
      settings,
      redisUrl: loaded.redis.url,
      log,
      // pm2 keeps pm_id for a process slot across restarts: a restarted worker reclaims its own lease.
      holder: `${hostname()}:${process.env.pm_id ?? `pid${process.pid}`}`,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
    });
  },
});
