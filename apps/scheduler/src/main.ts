import { homedir } from 'node:os';
import { createLogger } from '@nanobot/log';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createSchedulerWorker } from './create-scheduler-worker.js';

const log = createLogger({ name: 'nanobot-scheduler', level: process.env.LOG_LEVEL });

await runWorkerProcess({
  name: 'scheduler',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const worker = createSchedulerWorker({
      config: loaded.config,
      redisUrl: loaded.redis.url,
      nanobotHome: loaded.nanobotHome,
      log,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
    });
    return { start: (onFatal) => worker.start(onFatal), stop: () => worker.stop() };
  },
});
