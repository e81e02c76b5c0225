import { Job, Worker } from 'bullmq';
import type { Config } from '@nanobot/config';
import { AppError, isAppError, type InboundMessage, type OutboundMessage } from '@nanobot/core';
import { createCronStore } from '@nanobot/cron';
import {
  bullPrefix,
  createDeadWorkerSweeper,
  closeWorker,
  createErrorLogger,
  createInHand,
  createLockRescue,
  createQueues,
  createRedis,
  createSessionMailbox,
  createWorkerLiveness,
  inboundJobOptions,
  jobNames,
  queueNames,
  whenReady,
  requestChannelRestart,
  workerReliability,
  type Queues,
} from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { closeWithin } from '@nanobot/runtime';
import { createTurnCanceller } from './cancel-turns.js';
import { createConfigApplier } from './config/apply-config.js';
import { createConfigWatcher, type ConfigWatcher } from './config/watch-config-file.js';
import { createRedisModelSelections } from './llm/model-selections.js';
import { createAgent, type Agent, type AgentDeps } from './create-agent.js';
import { createRedisLock } from './memory/memory-lock.js';
import { createRedisToolJournal } from './tools/tool-call-journal.js';
import { createInboundProcessor } from './process-inbound.js';
import { createJobFence } from './job-fence.js';
import { stalledCheckOf } from './stalled-check-of.js';
import { replies } from './replies.js';
import { createTurnSlots, type TurnSlots } from './turn-slots.js';
import { createSubagentProcessor } from './subagent/run-subagent-job.js';
import { createSubagentQueue, createSubagentWorker } from './subagent/subagent-queue.js';
import { createModelOutage, defaultOutageTiming, type OutageTiming } from './turn/model-outage.js';
import { toReply } from './turn/to-reply.js';

export type AgentWorkerOptions = Omit<AgentDeps, 'send' | 'config' | 'memoryLock'> & {
  config: Config;
  redisUrl: string;
  /** Lease of a session's mailbox; a dead holder's sessions move on after this long. */
  leaseMs?: number;
  /** Tests: the outage timing (defaults: notice after 20 s, waits of 2 s doubling to 30 s, window from the config). */
  outage?: Partial<OutageTiming>;
  /** Called after each reply is added to the bus (tests, metrics). */
  onSent?: (reply: OutboundMessage) => void;
  /** Reads the config file again: with `configPath`, a change to the file applies without a restart. */
  reloadConfig?: () => Promise<Config>;
  /** Tests: the liveness timing (defaults in @nanobot/bus worker-liveness.ts). */
  liveness?: { ttlMs?: number; refreshMs?: number; sweepMs?: number; confirmMs?: number };
  /** The worker's run loop ended with an error (main.ts exits so pm2 restarts it). */
  onWorkerFailed?: (err: unknown) => void;
};

export type AgentWorker = {
  agent: Agent;
  /** The `inbound` job processor (exposed so a test can hand it a job directly). */
  processor: ReturnType<typeof createInboundProcessor>;
  worker: Worker;
  /** Runs the `subagent` queue's jobs (the `spawn` tool's background tasks). */
  subagentWorker: Worker;
  slots: TurnSlots;
  /** Present when the config file is watched (`reloadConfig` and `configPath` given). */
  configWatcher?: ConfigWatcher;
  start(): Promise<void>;
  /** Finishes the turns in hand, hands the rest back to the queue, closes connections. */
  stop(): Promise<void>;
};

/** How long the worker waits at start for the MCP servers' first connection before taking turns. */
const mcpStartWaitMs = 5_000;
function pick<T extends object, K extends keyof T>(from: T | undefined, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (from?.[k] !== undefined) out[k] = from[k];
  return out;
}

/** A turn that outlived a model outage goes to the inbound failed set as a job of its own. */
function createTurnParker(queues: Queues) {
  return async (message: InboundMessage, jobId: string, reason: string): Promise<void> => {
    try {
      await queues.inbound.add(jobNames.parkedTurn, { ...message, parkedReason: reason }, inboundJobOptions(jobId));
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', `could not park turn ${message.id} as ${jobId}`, { cause, details: { jobId } });
    }
  };
}

/** Brings the holder of a session whose waiting turn `/stop` dropped out of the delayed set now. */
function createWaker(queues: Queues, log: Logger) {
  return async (jobId: string): Promise<void> => {
    const job = await Job.fromId(queues.inbound, jobId);
    if (job === undefined || !(await job.isDelayed())) return;
    await job.promote().catch((err: unknown) => {
      // It left the delayed set in between (its wait ended): it runs now anyway.
      log.debug({ err, jobId }, 'could not promote the session holder');
    });
  };
}

/**
 * One agent instance: its own Redis connections, the `inbound` worker and the
 * `/stop` subscriber. Any number of them may run against one Redis.
 */
export function createAgentWorker(options: AgentWorkerOptions): AgentWorker {
  const { log, config } = options;
  const defaults = config.agents.defaults;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'agent-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'agent-worker' });
  const subscriber = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'agent-cancel' });
  const queues = createQueues(producer, log);
  // A lock Redis let expire while this process still runs the job (Redis frozen) is won back.
  const lockRescue = createLockRescue({ redis: producer, queue: queues.inbound, lockDurationMs: workerReliability.lockDuration ?? 6_000, log });
  // A turn whose job was taken back (this process frozen past its liveness key) has no effect any more.
  const fence = createJobFence(producer, queues.inbound, lockRescue);
  const send = async (reply: OutboundMessage) => {
    await fence.check();
    await queues.addOutbound(reply);
    options.onSent?.(reply);
  };
  const memoryLock = createRedisLock({ redis: producer, name: defaults.workspace });
  const cron = createCronStore({ redis: producer });
  const shutdown = new AbortController();
  const journal = fence.journal(createRedisToolJournal(producer));
  const subagents = createSubagentQueue({ producer, subscriber, log });
  const modelSelections = createRedisModelSelections(producer);
  const agent = createAgent({
    ...options, send, sendElsewhere: send, memoryLock, cron, journal, modelSelections, afterModelCall: fence.check, shutdown: shutdown.signal, startSubagent: (job) => subagents.start(job),
    restartChannel: (channel, reason) => requestChannelRestart(producer, channel, reason),
  });
  // Each worker's jobs in hand, counted by us: a stop waits for them, then bounds BullMQ's close (closeWorker).
  const inHand = { inbound: createInHand(), subagent: createInHand() };
  const subagentWorker = createSubagentWorker({
    connection: workerConnection,
    log,
    processor: inHand.subagent.wrap(createSubagentProcessor({
      model: agent.model,
      tools: agent.subagentTools,
      journal,
      control: subagents.control,
      announce: async (message) => void (await queues.addInbound(message, { followUp: true })),
      shutdown: shutdown.signal,
      workspace: defaults.workspace,
      timeZone: options.timeZone,
      now: options.now ?? (() => new Date()),
      log,
    })),
  });
  const configWatcher =
    options.reloadConfig === undefined || options.configPath === undefined
      ? undefined
      : createConfigWatcher({ path: options.configPath, load: options.reloadConfig, apply: createConfigApplier({ initial: config, models: agent.models, log }), log });
  const canceller = createTurnCanceller({ redis: producer, subscriber, log });
  const slots = createTurnSlots(defaults.maxConcurrentTurns);
  const mailbox = createSessionMailbox(producer, options.leaseMs ?? 10_000);
  const outage = createModelOutage({
    mailbox,
    send,
    parkTurn: createTurnParker(queues),
    timing: { ...defaultOutageTiming, retryWindowMs: defaults.retryWindowS * 1000, ...options.outage },
    log,
  });
  const processor = createInboundProcessor({
    mailbox,
    canceller,
    slots,
    answerNow: (message, stop) => agent.commands.immediate(message, stop),
    handleTurn: agent.handleTurn,
    handlePoison: (message) => send(toReply(message, replies.error)),
    outage,
    wake: createWaker(queues, log),
    stopSubagents: (sessionKey) => subagents.control.stop(sessionKey),
    shutdown: shutdown.signal,
    log,
  });
  // Headroom above the turn limit: /stop, /status and messages for busy sessions are
  // taken at once even when every turn slot is in use (see process-inbound.ts).
  const fenced = (job: Job, token?: string) =>
    fence.run(job, token, () => processor(job, token)).catch((err: unknown) => {
      if (isAppError(err, 'LEASE_LOST')) log.warn({ jobId: job.id }, `turn stopped: ${err.message}`);
      throw err;
    });
  const worker = new Worker(queueNames.inbound, inHand.inbound.wrap(fenced), {
    connection: workerConnection,
    prefix: bullPrefix,
    concurrency: defaults.maxConcurrentTurns + Math.max(4, Math.ceil(defaults.maxConcurrentTurns / 4)),
    autorun: false,
    ...workerReliability,
    // Run by the sweeper instead, only while Redis looks healthy (stalled-check-of.ts).
    skipStalledCheck: true,
  });
  worker.on('error', createErrorLogger(log, 'inbound worker error'));
  const checkStalled = stalledCheckOf(worker);
  const liveness = createWorkerLiveness({
    redis: producer,
    workerId: worker.id,
    ...pick(options.liveness, 'ttlMs', 'refreshMs'),
    locks: { held: fence.held, rescue: lockRescue },
    onError: (err) => log.debug({ err }, 'could not refresh the liveness key'),
  });
  const sweeper = createDeadWorkerSweeper({
    redis: producer,
    queue: queues.inbound,
    self: worker.id,
    log,
    stalled: { check: checkStalled, intervalMs: workerReliability.stalledInterval ?? 3_000 },
    ...(options.liveness?.sweepMs === undefined ? {} : { intervalMs: options.liveness.sweepMs }),
    ...(options.liveness?.confirmMs === undefined ? {} : { confirmMs: options.liveness.confirmMs }),
  });
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'inbound job failed'));
  let running: Promise<void> | undefined;
  let subagentsRunning: Promise<void> | undefined;
  return {
    agent,
    processor,
    worker,
    subagentWorker,
    slots,
    ...(configWatcher === undefined ? {} : { configWatcher }),
    async start() {
      await configWatcher?.start();
      // Subscribing before the connection is ready would break it (whenReady says why).
      await whenReady(subscriber);
      await canceller.start();
      await subagents.control.start();
      await queues.waitUntilReady();
      await subagents.queue.waitUntilReady();
      // The first turns find the MCP servers' tools; a server still starting joins when it is up.
      await agent.mcp.settled(mcpStartWaitMs);
      // Known alive before it takes a job, so a sweeper never mistakes it for a dead one.
      await liveness.start();
      sweeper.start();
      running = worker.run().catch((err: unknown) => {
        log.fatal({ err }, 'inbound worker ended');
        options.onWorkerFailed?.(err);
      });
      await worker.waitUntilReady();
      subagentsRunning = subagentWorker.run().catch((err: unknown) => {
        log.fatal({ err }, 'subagent worker ended');
        options.onWorkerFailed?.(err);
      });
      await subagentWorker.waitUntilReady();
    },
    async stop() {
      configWatcher?.stop();
      shutdown.abort();
      // Running subagents go back to wait at once (their recorded calls let the next agent go on).
      const close = (which: 'inbound' | 'subagent', closable: Worker) =>
        closeWorker({
          worker: closable,
          inHand: inHand[which],
          onForced: () => log.warn({ queue: which }, `the ${which} worker's close did not end after its last job; disconnected it`),
        });
      const [inbound, subagent] = await Promise.all([close('inbound', worker), close('subagent', subagentWorker)]);
      // A worker disconnected by force may never settle its run loop; its jobs in hand are done anyway.
      await Promise.all([inbound === 'closed' ? running : undefined, subagent === 'closed' ? subagentsRunning : undefined]);
      // After the turns in hand: their MCP calls still reach the servers while they finish.
      await agent.mcp.stop();
      // The Redis side is bounded like a channel's (close-within.ts): a quit to a Redis that is gone
      // or failing over waits for it; the process exits next and drops the sockets anyway.
      await closeWithin({
        redisReady: producer.status === 'ready',
        close: async () => {
          await sweeper.stop();
          await liveness.stop().catch((err: unknown) => log.debug({ err }, 'could not remove the liveness key'));
          await queues.close();
          await subagents.queue.close();
          await cron.close();
          await Promise.all([producer.quit(), workerConnection.quit(), subscriber.quit()]);
        },
      });
    },
  };
}
