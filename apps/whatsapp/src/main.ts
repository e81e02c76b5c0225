import { homedir } from 'node:os';
import { nanobotPaths } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { readBridgeToken } from './bridge-token.js';
import { createWhatsappWorker } from './whatsapp-worker.js';

const log = createLogger({ name: 'nanobot-whatsapp', level: process.env.LOG_LEVEL });

await runWorkerProcess({
  name: 'whatsapp worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.whatsapp;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.whatsapp.enabled is false: nothing to run');
    const tokenPath = nanobotPaths(loaded.nanobotHome).bridgeToken;
    return createWhatsappWorker({
      redisUrl: loaded.redis.url,
      bridgeUrl: settings.bridgeUrl,
      token: () => readBridgeToken(settings.bridgeToken, tokenPath),
      policy: { allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy },
      log,
      heartbeatMs: 10_000,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
      workspace: loaded.config.agents.defaults.workspace,
      maxMediaMb: settings.maxMediaMb,
    });
  },
});
