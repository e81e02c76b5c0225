import { homedir } from 'node:os';
import { AppError } from '@nanobot/core';
import { apiProblem, apiSettings } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createApiServer } from './create-api-server.js';

const log = createLogger({ name: 'nanobot-api', level: process.env.LOG_LEVEL });

await runWorkerProcess({
  name: 'api',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = apiSettings(loaded.config);
    const problem = apiProblem(settings);
    if (problem !== null) throw new AppError('CONFIG_INVALID', `api not started: ${problem}`);
    const server = createApiServer({ settings, model: loaded.config.agents.defaults.model, redisUrl: loaded.redis.url, log });
    return {
      start: async (onFatal) => void (await server.start(onFatal)),
      stop: () => server.stop(),
    };
  },
});
