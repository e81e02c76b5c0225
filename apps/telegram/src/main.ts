import { resolveHostName } from '@nanobot/bus';
import { homedir, hostname } from 'node:os';
import { allowFromWarnings } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { createWorkerMetrics, startPm2Io, type WorkerMetrics } from '@nanobot/metrics';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createFaultPoint, isFaultPoint } from './fault-point.js';
import { createTelegramWorker } from './telegram-worker.js';

const log = createLogger({ name: 'nanobot-telegram', level: process.env.LOG_LEVEL });
// Fault tests only: kill -9 this process at a named moment of a send (fault-point.ts).
const faultPointName = process.env.NANOBOT_FAULT_POINT;
const faultPoint = isFaultPoint(faultPointName)
  ? createFaultPoint({
      point: faultPointName,
      ...(process.env.NANOBOT_FAULT_ONCE_FILE === undefined ? {} : { onceFile: process.env.NANOBOT_FAULT_ONCE_FILE }),
      kill: () => process.kill(process.pid, 'SIGKILL'),
    })
  : undefined;

// pm2 monit / jlist / trigger; unhandled rejections stay fatal (design-notes L12).
const pm2Io = startPm2Io();
let metrics: WorkerMetrics | undefined;

await runWorkerProcess({
  name: 'telegram worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.telegram;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.telegram.enabled is false: nothing to run');
    // Also when started by `pm2 start ecosystem.config.js`, which bypasses the CLI's warning.
    for (const warning of allowFromWarnings(loaded)) log.warn({ warning }, 'allowFrom lists a username');
    const worker = createTelegramWorker({
      settings,
      redisUrl: loaded.redis.url,
      log,
      // pm2 keeps pm_id for a process slot across restarts: a restarted worker reclaims its own lease.
      holder: `${resolveHostName(process.env, hostname())}:${process.env.pm_id ?? `pid${process.pid}`}`,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
      nanobotHome: loaded.nanobotHome,
      workspace: loaded.config.agents.defaults.workspace,
      ...(faultPoint === undefined ? {} : { faultPoint, afterDownload: () => faultPoint('after-download') }),
      onMessageIn: () => metrics?.messageIn(),
      onMessageOut: (message) => metrics?.replyOut(message.kind === 'reply' ? message.receivedAt : undefined),
    });
    metrics = createWorkerMetrics({ sink: pm2Io, log, channel: () => worker.supervisor.state(), queueDepth: worker.queueDepth });
    metrics.action('restart-channel', () => (worker.supervisor.restartLoop('pm2 trigger restart-channel') ? 'restarting the telegram channel' : 'the telegram channel is not running'));
    return worker;
  },
});
