import { homedir } from 'node:os';
import { nanobotPaths } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { createWorkerMetrics, startPm2Io, type WorkerMetrics } from '@nanobot/metrics';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { readBridgeToken } from './bridge-token.js';
import { createWhatsappWorker } from './whatsapp-worker.js';

const log = createLogger({ name: 'nanobot-whatsapp', level: process.env.LOG_LEVEL });

// pm2 monit / jlist / trigger; unhandled rejections stay fatal (design-notes L12).
const pm2Io = startPm2Io();
let metrics: WorkerMetrics | undefined;

await runWorkerProcess({
  name: 'whatsapp worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.whatsapp;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.whatsapp.enabled is false: nothing to run');
    const tokenPath = nanobotPaths(loaded.nanobotHome).bridgeToken;
    const worker = createWhatsappWorker({
      redisUrl: loaded.redis.url,
      bridgeUrl: settings.bridgeUrl,
      token: () => readBridgeToken(settings.bridgeToken, tokenPath),
      policy: { allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy },
      log,
      heartbeatMs: 10_000,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
      nanobotHome: loaded.nanobotHome,
      onMessageIn: () => metrics?.messageIn(),
      onMessageOut: (message) => metrics?.replyOut(message.kind === 'reply' ? message.receivedAt : undefined),
      workspace: loaded.config.agents.defaults.workspace,
      maxMediaMb: settings.maxMediaMb,
    });
    metrics = createWorkerMetrics({ sink: pm2Io, log, channel: () => worker.supervisor.state(), queueDepth: () => worker.queueDepth() });
    metrics.action('restart-channel', () => (worker.supervisor.restartLoop('pm2 trigger restart-channel') ? 'restarting the whatsapp channel' : 'the whatsapp channel is not running'));
    return worker;
  },
});
