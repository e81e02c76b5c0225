import { homedir, hostname } from 'node:os';
import { Worker } from 'bullmq';
import { describeError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { bullPrefix, createQueues, createRedis, createStatusReporter, queueNames, workerReliability } from '@nanobot/bus';
import { createTurnCanceller } from './cancel-turns.js';
import { createAgent, type Agent } from './create-agent.js';
import { createInboundProcessor } from './process-inbound.js';
import { replies } from './replies.js';
import { createSessionMailbox } from './session-mailbox.js';
import { createTurnSlots } from './turn-slots.js';
import { toReply } from './turn/to-reply.js';

const log = createLogger({ name: 'nanobot-agent', level: process.env.LOG_LEVEL });
const startedAt = Date.now();

function fatal(err: unknown): never {
  log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
  process.exit(1);
}

async function loadOrExit(): Promise<LoadedConfig> {
  try {
    return await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    return fatal(err);
  }
}

async function main(): Promise<void> {
  const loaded = await loadOrExit();
  const { config } = loaded;
  for (const warning of loaded.warnings) log.warn({ warning }, 'config key not recognised');
  const defaults = config.agents.defaults;
  const url = loaded.redis.url;
  const producer = createRedis({ url, role: 'producer', log, name: 'agent-producer' });
  const workerConnection = createRedis({ url, role: 'worker', log, name: 'agent-worker' });
  const subscriber = createRedis({ url, role: 'worker', log, name: 'agent-cancel' });
  const queues = createQueues(producer, log);
  const send = async (reply: Parameters<typeof queues.addOutbound>[0]) => void (await queues.addOutbound(reply));
  let agent: Agent;
  try {
    agent = createAgent({
      config,
      send,
      log,
      env: process.env,
      runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      startedAt,
    });
  } catch (err) {
    return fatal(err);
  }
  const canceller = createTurnCanceller({ redis: producer, subscriber, log });
  const shutdown = new AbortController();
  const slots = createTurnSlots(defaults.maxConcurrentTurns);
  const processor = createInboundProcessor({
    mailbox: createSessionMailbox(producer, 10_000),
    canceller,
    slots,
    answerNow: (message, stop) => agent.commands.immediate(message, stop),
    handleTurn: agent.handleTurn,
    handlePoison: (message) => send(toReply(message, replies.error)),
    shutdown: shutdown.signal,
    log,
  });
  // Headroom above the turn limit: /stop, /status and messages for busy sessions are
  // taken at once even when every turn slot is in use (see process-inbound.ts).
  const worker = new Worker(queueNames.inbound, processor, {
    connection: workerConnection,
    prefix: bullPrefix,
    concurrency: defaults.maxConcurrentTurns + Math.max(4, Math.ceil(defaults.maxConcurrentTurns / 4)),
    autorun: false,
    ...workerReliability,
  });
  worker.on('error', (err) => log.warn({ err }, 'inbound worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'inbound job failed'));

  const instance = process.env.NODE_APP_INSTANCE ?? String(process.pid);
  const primary = agent.model.targets[0];
  const status = createStatusReporter({
    redis: producer,
    app: 'nanobot-agent',
    instance,
    pid: process.pid,
    host: hostname(),
    channels: () => ({
      agent: { state: worker.isRunning() ? 'running' : 'stopped', model: agent.model.model, provider: primary?.provider, turns: slots.inUse() },
    }),
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
  log.info({ provider: primary?.provider, model: agent.model.model, instance }, 'agent ready');
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'agent failed to start');
  process.exit(1);
});
