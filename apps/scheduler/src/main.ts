import { homedir } from 'node:os';
import { createLogger } from '@nanobot/log';
import { createWorkerMetrics, startPm2Io } from '@nanobot/metrics';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createSchedulerWorker } from './create-scheduler-worker.js';

const log = createLogger({ name: 'nanobot-scheduler', level: process.env.LOG_LEVEL });

// pm2 monit / jlist; unhandled rejections stay fatal (design-notes L12).
const pm2Io = startPm2Io();

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
    // In: fires of scheduled jobs; out: the agent's answers forwarded to their chats.
    const { fire, answer } = worker.workers;
    const metrics = createWorkerMetrics({
      sink: pm2Io, log, state: () => (fire.isRunning() ? 'running' : 'stopped'),
      queueDepth: () => worker.store.queue.getJobCountByTypes('waiting', 'prioritized'),
    });
    fire.on('completed', () => metrics.messageIn());
    answer.on('completed', () => metrics.messageOut());
    return { start: (onFatal) => worker.start(onFatal), stop: () => worker.stop() };
  },
});
