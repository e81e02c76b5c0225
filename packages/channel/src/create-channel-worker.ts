import type { Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChannelName } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import {
  createChannelControl, createHeldLease, createLease, createPairingGate, createPairingStore, createQueues, createRedis, createSentMarkers,
  createStatusReporter, createTrafficRecorder, importPairingFile, type HeldLease, type PairingGate, type PairingStore, type PutBackHold, type Queues,
  type SentMarkers,
} from '@nanobot/bus';
import { createSupervisor, type ChannelContext, type Supervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createOutbound } from './create-outbound.js';
import { createLeasedRun, createLeaseWait } from './leased-run.js';

/** What the kit has made for the channel, handed to `setup`. */
export type ChannelKit = {
  log: Logger;
  /** Fails fast while Redis is away: inbound adds, so an outage leaves the event unconfirmed. */
  producer: Redis;
  /** Waits through a Redis outage: the outbound worker, sent-markers, fences of sends. */
  workerConnection: Redis;
  queues: Queues;
  /** The account lease; undefined for a channel without one (every instance is active). */
  lease: HeldLease | undefined;
  /** `hold` for a reply put back while the service is away, `channelBack` when it answers again. */
  putBacks: Pick<PutBackHold, 'hold' | 'channelBack'>;
  /** Sent-markers on the worker's connection: which chunks of a reply may already be out. */
  markers: SentMarkers;
  /** Guards one effect done as the holder (checked in Redis on the worker's connection); a no-op without a lease. */
  fence: () => Promise<void>;
  /** nanobot's DM pairing for senders outside allowFrom. */
  pairing: PairingGate;
};

/** What a channel supplies. */
export type ChannelParts = {
  /** Before the lease is asked for, in every run (who the bot is: proves the token to a standby too). */
  prepare?: (ctx: ChannelContext) => Promise<void>;
  /** Connect and receive until `ctx.signal` (stop, watchdog or lost lease); throw an AppError when the connection breaks. */
  run: (ctx: ChannelContext) => Promise<void>;
  /** The outbound queue's job processor: split, mark, fence, send. */
  send: Processor;
  /** This process stopped being the one that sends (lease lost, or stopping): e.g. end typing. */
  onStopSending?: () => void;
  /** Fields of the status record besides the supervisor's state. */
  status?: () => Record<string, unknown>;
};

export type ChannelWorkerOptions = {
  name: ChannelName;
  /** The pm2 app in the status record (default `nanobot-<name>`). */
  app?: string;
  redisUrl: string;
  log: Logger;
  /** For the status record: pm2 instance id, pid and host. */
  instance: string;
  pid: number;
  host: string;
  /** One connection per account in the cluster: `key` names the account, `holder` is stable across restarts of a pm2 slot. */
  lease?: { key: string; holder: string; what: string; ttlMs?: number; standbyRetryMs?: number };
  /** The watchdog's window: a run that reports no transport activity for this long is restarted. */
  livenessWindowMs: number;
  restartDelayMs: (failures: number, err: unknown) => number;
  stopDeadlineMs?: number;
  /** Listen for `/restart` from a chat (the channel control topic). */
  restartCommand?: boolean;
  /** Record each reply delivered for the dashboard's traffic chart. */
  recordTraffic?: boolean;
  /** Where nanobot's pairing.json is; its approvals are loaded at start. */
  nanobotHome?: string;
  setup: (kit: ChannelKit) => ChannelParts;
};

export type ChannelWorker = {
  supervisor: Supervisor;
  kit: ChannelKit;
  /** Replies waiting to be sent (pm2 metric). */
  queueDepth(): Promise<number>;
  /** Starts everything; `onFatal` is called if the channel can no longer be stopped, restarted or send. */
  start(onFatal: (err: unknown) => void): Promise<void>;
  /** Stops intake, finishes the reply in hand, releases the lease, closes connections; rejects with STOP_TIMEOUT if the channel hangs. */
  stop(reason: string): Promise<void>;
};

/**
 * A channel worker without the process (main.ts adds config, signals and exit codes): the
 * supervised run under the account lease with hot standbys, the outbound worker that follows
 * the lease (orphaned replies first, put-back hold), sent-markers, the status record.
 */
export function createChannelWorker(options: ChannelWorkerOptions): ChannelWorker {
  const { name, log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: `${name}-producer` });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: `${name}-worker` });
  const queues = createQueues(producer, log);
  let fatal: (err: unknown) => void = () => undefined;
  const outbound = createOutbound({ name, queues, connection: workerConnection, log, onFatal: (err) => fatal(err) });
  let parts: ChannelParts | undefined;
  const stopSending = () => {
    outbound.stopSending();
    parts?.onStopSending?.();
  };
  const leaseOptions = options.lease;
  const lease = leaseOptions === undefined ? undefined : createHeldLease({
    lease: createLease({ redis: producer, name: leaseOptions.key, holder: leaseOptions.holder, ttlMs: leaseOptions.ttlMs ?? 5_000 }),
    log, what: leaseOptions.what, onLost: stopSending,
  });
  // On the fail-fast connection, like the adds: an outage leaves the message unconfirmed.
  const pairingStore = createPairingStore(producer);
  const kit: ChannelKit = {
    log, producer, workerConnection, queues, lease, putBacks: outbound.putBacks, markers: createSentMarkers(workerConnection),
    fence: async () => lease?.fence(workerConnection),
    pairing: createPairingGate({ channel: name, store: pairingStore, queues, log }),
  };
  const channel = options.setup(kit);
  parts = channel;
  outbound.setProcessor(channel.send);
  const run = createLeasedRun({
    lease, prepare: channel.prepare, run: channel.run, onActive: () => outbound.startSending(),
    waitForLease: lease === undefined ? undefined : createLeaseWait({ lease, log, what: leaseOptions?.what ?? name, ...(leaseOptions?.standbyRetryMs === undefined ? {} : { retryMs: leaseOptions.standbyRetryMs }) }),
  });
  const supervisor = createSupervisor({
    name, run, log, liveness: { windowMs: options.livenessWindowMs }, delayMs: options.restartDelayMs,
    stopDeadlineMs: options.stopDeadlineMs ?? 10_000, onState: () => status.publishSoon(),
  });
  const control = options.restartCommand === true
    ? createChannelControl({ redisUrl: options.redisUrl, channel: name, log, onRestart: (reason) => void supervisor.restartLoop(reason) })
    : undefined;
  if (options.recordTraffic === true) {
    // The dashboard's traffic chart: a reply delivered whole, and how long after its message.
    const traffic = createTrafficRecorder(producer, log);
    outbound.worker().on('completed', (job) => void traffic.noteOut(job.data as object));
  }
  const status = createStatusReporter({
    redis: producer, app: options.app ?? `nanobot-${name}`, instance: options.instance, pid: options.pid, host: options.host,
    channels: () => ({ [name]: { ...supervisor.state(), ...channel.status?.() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    kit,
    queueDepth: () => queues.outbound(name).getJobCountByTypes('waiting', 'prioritized'),
    async start(onFatal) {
      fatal = onFatal;
      await queues.waitUntilReady();
      if (options.nanobotHome !== undefined) await loadPairingFile(pairingStore, options.nanobotHome, log);
      // Without a lease every instance sends from the start.
      if (lease === undefined) outbound.startSending();
      supervisor.start().then(() => log.info({ channel: name }, 'channel supervisor ended'), onFatal);
      await status.start();
      await control?.start();
    },
    async stop(reason) {
      let failure: unknown;
      await supervisor.stop(reason).catch((err: unknown) => (failure = err));
      channel.onStopSending?.();
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          await control?.close();
          // The reply in hand is finished as the holder; only then may a standby take over.
          await outbound.close();
          await lease?.release();
          await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
          await queues.close();
          await Promise.all([producer.quit(), workerConnection.quit()]);
        },
      }).catch((err: unknown) => (failure ??= err));
      if (failure !== undefined) throw failure;
    },
  };
}

/** The Redis copy is what the channel reads; nanobot's file only adds approvals made elsewhere. */
async function loadPairingFile(store: PairingStore, nanobotHome: string, log: Logger): Promise<void> {
  await importPairingFile(store, nanobotHome).then(
    (count) => log.info({ count }, 'approved senders loaded from pairing.json'),
    (err: unknown) => log.warn({ err }, 'could not load pairing.json; approvals in Redis still apply'),
  );
}
