import { homedir, hostname } from 'node:os';
import { AppError } from '@nanobot/core';
import { gatewayProblem } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { startPm2Io } from '@nanobot/metrics';
import { createRedis, resolveHostName } from '@nanobot/bus';
import { createIsGone, createPm2Control } from '@nanobot/ops';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createDashboard } from './create-dashboard.js';

const log = createLogger({ name: 'nanobot-dashboard', level: process.env.LOG_LEVEL });

// pm2 monit shows its event-loop delay; unhandled rejections stay fatal (design-notes L12).
startPm2Io();

await runWorkerProcess({
  name: 'dashboard',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const problem = gatewayProblem(loaded.config.gateway);
    if (problem !== null) throw new AppError('CONFIG_INVALID', `dashboard not started: ${problem}`);
    const redis = createRedis({ url: loaded.redis.url, role: 'producer', log, name: 'dashboard' });
    // Only under pm2 is there a daemon to ask; outside it, pm2's client would start one.
    const pm2 = process.env.pm_id === undefined ? undefined : createPm2Control();
    const dashboard = createDashboard({
      config: loaded.config,
      redis,
      log,
      isGone: createIsGone(resolveHostName(process.env, hostname()), (pid) => process.kill(pid, 0)),
      ...(pm2 === undefined ? {} : { listProcesses: () => pm2.list() }),
    });
    return {
      start: async () => void (await dashboard.start()),
      async stop() {
        await dashboard.stop();
        pm2?.disconnect();
        await redis.quit();
      },
    };
  },
});
