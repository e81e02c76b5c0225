import type { Redis } from 'ioredis';
import { Job, type Queue } from 'bullmq';
import type { Logger } from '@nanobot/log';
import { createStalledCheckGate } from './stalled-check-gate.js';
import { defaultLiveness, livenessKeys } from './worker-liveness.js';

export type SweeperOptions = {
  redis: Redis;
  queue: Queue;
  /** This process's BullMQ worker id (its own liveness key must be there for a sweep to judge others). */
  self: string;
  log: Logger;
  intervalMs?: number;
  /** A worker's key must stay missing this long, over consecutive sweeps, before its jobs are taken back. */
  confirmMs?: number;
  /** A sweep whose reads took longer than this judges nobody: Redis is slow or was frozen. */
  maxReadMs?: number;
  /** Tests, metrics: a job of a dead worker went back to wait. */
  onMoved?: (jobId: string, workerId: string) => void;
  /**
   * BullMQ's stalled check of the queue (the worker runs with `skipStalledCheck`), run from the
   * sweep only when Redis and this process look healthy (stalled-check-gate.ts).
   */
  stalled?: { check: () => Promise<unknown>; intervalMs: number; settleMs?: number };
};

export type DeadWorkerSweeper = {
  start(): void;
  stop(): Promise<void>;
  /** One sweep now (tests); resolves to the ids of the jobs moved back. */
  sweep(): Promise<string[]>;
};

/** A monotonic clock: a wall-clock step must not make a worker look dead sooner. */
const clock = () => performance.now();

const workerOf = (lockToken: string): string | undefined => {
  const at = lockToken.lastIndexOf(':');
  return at > 0 ? lockToken.slice(0, at) : undefined;
};

/**
 * Takes back the active jobs of workers that died: a job whose lock still holds the token
 * of a registered worker whose liveness key has been gone for `confirmMs` is moved back to
 * wait with BullMQ's own `moveToWait(token)`. That script checks, atomically, that the lock
 * is still that token before it removes it, so a job a live worker holds (its own token) or
 * one BullMQ's stalled check already moved is never touched. A frozen worker that wakes up
 * after its job was taken finds its lock gone: BullMQ refuses its completion, and the agent
 * checks the lock before every effect of a turn (create-agent-worker.ts).
 *
 * Never judged: workers without a registry entry (an older version), this process's own,
 * and anyone while this process's own key is missing or Redis answers slowly (after Redis
 * was frozen every key may have expired at once; the live workers put theirs back within a
 * refresh, well inside `confirmMs`).
 *
 * With `stalled`, the sweep also runs BullMQ's stalled check (for jobs whose lock expired, which
 * this sweep cannot attribute to anyone), but only after `settleMs` of prompt reads with this
 * process's own key present: after a Redis freeze the live holders win their expired locks back
 * first (lock-rescue.ts), so the check moves only the jobs of workers that are really gone.
 */
export function createDeadWorkerSweeper(options: SweeperOptions): DeadWorkerSweeper {
  const intervalMs = options.intervalMs ?? defaultLiveness.refreshMs;
  const confirmMs = options.confirmMs ?? 2 * defaultLiveness.refreshMs;
  const maxReadMs = options.maxReadMs ?? defaultLiveness.ttlMs / 2;
  const { redis, queue, log } = options;
  const missingSince = new Map<string, number>();
  let lastSweep = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let lastForget = 0;
  const stalledGate = createStalledCheckGate(
    { intervalMs: options.stalled?.intervalMs ?? 0, settleMs: options.stalled?.settleMs ?? defaultLiveness.ttlMs },
    clock(),
  );
  /** Runs the stalled check when its gate allows: right after a prompt read, as the next command. */
  const maybeCheckStalled = async (ownAlive: boolean, readMs: number): Promise<void> => {
    const now = clock();
    if (!ownAlive || readMs > maxReadMs) stalledGate.unsafe(now);
    if (options.stalled === undefined || !stalledGate.take(now)) return;
    await options.stalled.check().catch((err: unknown) => log.debug({ err }, 'stalled check failed'));
  };

  const sweep = async (): Promise<string[]> => {
    const startedAt = clock();
    // Our own loop stalled (a long pause, SIGSTOP): what we saw before is no evidence now.
    if (lastSweep !== 0 && startedAt - lastSweep > 4 * intervalMs) {
      missingSince.clear();
      stalledGate.unsafe(startedAt);
    }
    lastSweep = startedAt;
    // Plain commands, not a MULTI: the sweep runs four times a second, and a pipeline object on
    // a connection with BullMQ's scripts is large (worker-liveness.ts). One connection answers
    // them in order, and nothing below needs the two read at one instant.
    const [own, ids] = await Promise.all([redis.exists(livenessKeys.alive(options.self)), redis.lrange(queue.toKey('active'), 0, -1)]);
    const readMs = clock() - startedAt;
    await maybeCheckStalled(own === 1, readMs);
    if (own !== 1 || readMs > maxReadMs) {
      missingSince.clear();
      return [];
    }
    if (ids.length === 0) {
      missingSince.clear();
      return [];
    }
    const locks = await redis.mget(ids.map((id) => `${queue.toKey(id)}:lock`));
    const held = ids.flatMap((id, i) => {
      const token = locks[i];
      const worker = token == null ? undefined : workerOf(token);
      return token == null || worker === undefined || worker === options.self ? [] : [{ id, token, worker }];
    });
    const workers = [...new Set(held.map((h) => h.worker))];
    if (workers.length === 0) {
      missingSince.clear();
      return [];
    }
    const pipeline = redis.pipeline();
    for (const w of workers) pipeline.exists(livenessKeys.alive(w)).zscore(livenessKeys.registry(), w);
    const answers = (await pipeline.exec()) ?? [];
    if (clock() - startedAt > maxReadMs) {
      missingSince.clear();
      return [];
    }
    const now = clock();
    const dead = new Set<string>();
    workers.forEach((w, i) => {
      const alive = answers[2 * i]?.[1] === 1;
      const registered = answers[2 * i + 1]?.[1] != null;
      if (alive || !registered) {
        missingSince.delete(w);
        return;
      }
      const since = missingSince.get(w) ?? now;
      missingSince.set(w, since);
      if (now - since >= confirmMs) dead.add(w);
    });
    for (const w of missingSince.keys()) if (!workers.includes(w)) missingSince.delete(w);
    const moved: string[] = [];
    for (const h of held.filter((x) => dead.has(x.worker))) {
      const job = await Job.fromId(queue, h.id);
      if (job === undefined) continue;
      try {
        await job.moveToWait(h.token);
        moved.push(h.id);
        log.info({ jobId: h.id, workerId: h.worker, missingMs: now - (missingSince.get(h.worker) ?? now) }, 'job of a dead worker moved back to wait');
        options.onMoved?.(h.id, h.worker);
      } catch (err) {
        // Its lock changed meanwhile: the stalled check moved it, or the worker woke up and renewed it.
        log.debug({ err, jobId: h.id, workerId: h.worker }, 'job of a dead worker not moved');
      }
    }
    if (now - lastForget > 60_000) {
      lastForget = now;
      // Scores are the workers' wall-clock refresh times.
      await redis.zremrangebyscore(livenessKeys.registry(), '-inf', Date.now() - defaultLiveness.forgetAfterMs);
    }
    return moved;
  };

  const tick = () => {
    if (running !== undefined) return;
    running = sweep()
      .catch((err: unknown) => {
        missingSince.clear();
        stalledGate.unsafe(clock());
        log.debug({ err }, 'dead worker sweep failed');
      })
      .finally(() => (running = undefined));
  };

  return {
    start() {
      // A process that just started has seen nothing yet: the stalled check waits a settle period.
      stalledGate.unsafe(clock());
      timer ??= setInterval(tick, intervalMs);
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
    sweep,
  };
}
