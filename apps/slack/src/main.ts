import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { nanobotPaths } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { faultPointFromEnv, runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import type { SendFaultPoint } from './send-outbound.js';
import { createSlackWorker } from './slack-worker.js';

const log = createLogger({ name: 'nanobot-slack', level: process.env.LOG_LEVEL });

// Fault tests only: kill -9 this process at a moment of a send (NANOBOT_FAULT_POINT=after-mark|after-send).
const faultPoint = faultPointFromEnv<SendFaultPoint>(process.env, ['after-mark', 'after-send'], () => process.kill(process.pid, 'SIGKILL'));

await runWorkerProcess({
  name: 'slack worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.slack;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.slack.enabled is false: nothing to run');
    return createSlackWorker({
      redisUrl: loaded.redis.url,
      botToken: settings.botToken,
      appToken: settings.appToken,
      apiBase: settings.apiBase,
      mediaDir: join(nanobotPaths(loaded.nanobotHome).media, 'slack'),
      policy: {
        allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy, groupAllowFrom: settings.groupAllowFrom,
        groupRequireMention: settings.groupRequireMention, dm: settings.dm, replyInThread: settings.replyInThread,
      },
      log,
      holder: `${hostname()}:${process.env.pm_id ?? `pid${process.pid}`}`,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
      ...(faultPoint === undefined ? {} : { faultPoint }),
    });
  },
});
