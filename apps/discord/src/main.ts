import { homedir, hostname } from 'node:os';
import { nanobotPaths } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { faultPointFromEnv, runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createDiscordWorker, type DiscordFaultPoint } from './discord-worker.js';

const log = createLogger({ name: 'nanobot-discord', level: process.env.LOG_LEVEL });
// Fault tests only: kill -9 this process at a named moment (NANOBOT_FAULT_POINT).
const faultPoint = faultPointFromEnv<DiscordFaultPoint>(process.env, ['after-mark', 'after-send', 'after-queue'], () =>
  process.kill(process.pid, 'SIGKILL'),
);

await runWorkerProcess({
  name: 'discord worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.discord;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.discord.enabled is false: nothing to run');
    return createDiscordWorker({
      settings,
      redisUrl: loaded.redis.url,
      mediaDir: nanobotPaths(loaded.nanobotHome).media,
      log,
      holder: `${hostname()}:${process.env.pm_id ?? `pid${process.pid}`}`,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
      ...(faultPoint === undefined ? {} : { faultPoint }),
    });
  },
});
