import { homedir, hostname } from 'node:os';
import { Worker } from 'bullmq';
import { describeError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import {
  bullPrefix,
  createQueues,
  createRedis,
  createStatusReporter,
  queueNames,
  workerReliability,
} from '@nanobot/bus';
import { createTurnCanceller } from './cancel-turns.js';
import { createChatModel } from './chat-model.js';
import { createTurnHandler, toReply } from './handle-turn.js';
import { createInboundProcessor } from './process-inbound.js';
import { replies } from './replies.js';
import { selectProvider } from './select-provider.js';
import { createSessionMailbox } from './session-mailbox.js';
import { createSessionStore } from './session-store.js';
import { createSystemPrompt } from './system-prompt.js';

const log = createLogger({ name: 'nanobot-agent', level: process.env.LOG_LEVEL });
const startedAt = Date.now();

async function loadOrExit(): Promise<LoadedConfig> {
  try {
    return await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const loaded = await loadOrExit();
  const { config } = loaded;
  for (const warning of loaded.warnings) log.warn({ warning }, 'config key not recognised');
  const defaults = config.agents.defaults;
  let provider;
  try {
    provider = selectProvider(config);
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }
  const url = loaded.redis.url;
  const producer = createRedis({ url, role: 'producer', log, name: 'agent-producer' });
  const workerConnection = createRedis({ url, role: 'worker', log, name: 'agent-worker' });
  const subscriber = createRedis({ url, role: 'worker', log, name: 'agent-cancel' });
  const queues = createQueues(producer, log);
  const model = createChatModel({
    provider,
    maxTokens: defaults.maxTokens,
    temperature: defaults.temperature,
    timeoutMs: defaults.requestTimeoutS * 1000,
  });
  const sessions = createSessionStore(defaults.workspace);
  const canceller = createTurnCanceller({ redis: producer, subscriber, log });
  const shutdown = new AbortController();
  const handleTurn = createTurnHandler({
    queues,
    sessions,
    model,
    memoryWindow: defaults.memoryWindow,
    systemPrompt: createSystemPrompt(defaults.workspace, `Node.js ${process.version} on ${process.platform}`),
    log,
    startedAt,
  });
  const processor = createInboundProcessor({
    mailbox: createSessionMailbox(producer, 10_000),
    canceller,
    handleTurn,
    handlePoison: async (message) => void (await queues.addOutbound(toReply(message, replies.error))),
    answerStop: async (message, stopped) =>
      void (await queues.addOutbound(toReply(message, stopped > 0 ? replies.stopped(stopped) : replies.noTask))),
    shutdown: shutdown.signal,
    log,
  });
  const worker = new Worker(queueNames.inbound, processor, {
    connection: workerConnection,
    prefix: bullPrefix,
    concurrency: Math.max(defaults.maxConcurrentTurns, 1) * 4,
    autorun: false,
    ...workerReliability,
  });
  worker.on('error', (err) => log.warn({ err }, 'inbound worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'inbound job failed'));

  const instance = process.env.NODE_APP_INSTANCE ?? String(process.pid);
  const status = createStatusReporter({
    redis: producer,
    app: 'nanobot-agent',
    instance,
    pid: process.pid,
    host: hostname(),
    channels: () => ({ agent: { state: worker.isRunning() ? 'running' : 'stopped', model: model.model, provider: provider.name } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing the turns in hand');
    shutdown.abort();
    await worker.close();
    await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
    await queues.close();
    await Promise.all([producer.quit(), workerConnection.quit(), subscriber.quit()]);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await canceller.start();
  await queues.waitUntilReady();
  void worker.run().catch((err: unknown) => {
    log.fatal({ err }, 'inbound worker ended');
    process.exit(1);
  });
  await worker.waitUntilReady();
  status.start();
  log.info({ provider: provider.name, model: model.model, instance }, 'agent ready');
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'agent failed to start');
  process.exit(1);
});
