import { Worker } from 'bullmq';
import type { Config } from '@nanobot/config';
import type { OutboundMessage } from '@nanobot/core';
import { createCronStore } from '@nanobot/cron';
import { bullPrefix, createErrorLogger, createQueues, createRedis, createSessionMailbox, queueNames, workerReliability } from '@nanobot/bus';
import { createTurnCanceller } from './cancel-turns.js';
import { createAgent, type Agent, type AgentDeps } from './create-agent.js';
import { createInboundProcessor } from './process-inbound.js';
import { replies } from './replies.js';
import { createTurnSlots, type TurnSlots } from './turn-slots.js';
import { toReply } from './turn/to-reply.js';

export type AgentWorkerOptions = Omit<AgentDeps, 'send' | 'config'> & {
  config: Config;
  redisUrl: string;
  /** Lease of a session's mailbox; a dead holder's sessions move on after this long. */
  leaseMs?: number;
  /** Called after each reply is added to the bus (tests, metrics). */
  onSent?: (reply: OutboundMessage) => void;
  /** The worker's run loop ended with an error (main.ts exits so pm2 restarts it). */
  onWorkerFailed?: (err: unknown) => void;
};

export type AgentWorker = {
  agent: Agent;
  /** The `inbound` job processor (exposed so a test can hand it a job directly). */
  processor: ReturnType<typeof createInboundProcessor>;
  worker: Worker;
  slots: TurnSlots;
  start(): Promise<void>;
  /** Finishes the turns in hand, hands the rest back to the queue, closes connections. */
  stop(): Promise<void>;
};

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
  const send = async (reply: OutboundMessage) => {
    await queues.addOutbound(reply);
    options.onSent?.(reply);
  };
  const cron = createCronStore({ redis: producer });
  const agent = createAgent({ ...options, send, cron });
  const canceller = createTurnCanceller({ redis: producer, subscriber, log });
  const shutdown = new AbortController();
  const slots = createTurnSlots(defaults.maxConcurrentTurns);
  const processor = createInboundProcessor({
    mailbox: createSessionMailbox(producer, options.leaseMs ?? 10_000),
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
  worker.on('error', createErrorLogger(log, 'inbound worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'inbound job failed'));
  let running: Promise<void> | undefined;
  return {
    agent,
    processor,
    worker,
    slots,
    async start() {
      await canceller.start();
      await queues.waitUntilReady();
      running = worker.run().catch((err: unknown) => {
        log.fatal({ err }, 'inbound worker ended');
        options.onWorkerFailed?.(err);
      });
      await worker.waitUntilReady();
    },
    async stop() {
      shutdown.abort();
      await worker.close();
      await running;
      await queues.close();
      await cron.close();
      await Promise.all([producer.quit(), workerConnection.quit(), subscriber.quit()]);
    },
  };
}
