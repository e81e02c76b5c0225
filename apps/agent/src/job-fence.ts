import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import type { HeldLock, LockRescue } from '@nanobot/bus';
import type { ToolCallJournal } from './tools/tool-call-journal.js';

export type JobFence = {
  /** Runs a job's processing with its lock known to `check`. */
  run<T>(job: Job, token: string | undefined, fn: () => Promise<T>): Promise<T>;
  /**
   * Throws LEASE_LOST when the job being processed is no longer this process's (its BullMQ
   * lock holds another token, or none and the job is no longer active): the process was frozen
   * or cut off long enough for its job to be taken back and run elsewhere. A lock that is merely
   * missing while the job is still active (Redis was frozen past the lock) is won back first.
   * Called before every effect of a turn: after each model answer, before each tool-call record
   * and before each reply is queued.
   */
  check(): Promise<void>;
  /** The jobs being processed now, with their tokens (the liveness refresh rescues their locks). */
  held(): HeldLock[];
  /** The journal with `check` before every record it writes. */
  journal(inner: ToolCallJournal): ToolCallJournal;
};

/** Whether the job's lock is (again) `held.token`: a missing lock of a job still active is won back. */
async function holdsLock(redis: Redis, queue: Queue, rescue: LockRescue | undefined, held: HeldLock): Promise<boolean> {
  const lock = await redis.get(`${queue.toKey(held.jobId)}:lock`);
  if (lock === held.token) return true;
  if (lock !== null || rescue === undefined) return false;
  return (await rescue.rescue([held])).includes(held.jobId);
}

export function createJobFence(redis: Redis, queue: Queue, rescue?: LockRescue): JobFence {
  const current = new AsyncLocalStorage<HeldLock>();
  const running = new Set<HeldLock>();
  const check = async (): Promise<void> => {
    const held = current.getStore();
    if (held === undefined) return;
    let holds: boolean;
    try {
      holds = await holdsLock(redis, queue, rescue, held);
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', 'could not check the job lock', { cause, details: { jobId: held.jobId } });
    }
    if (!holds) {
      throw new AppError('LEASE_LOST', `job ${held.jobId} was taken over by another agent`, { details: { jobId: held.jobId } });
    }
  };
  const run = async <T>(held: HeldLock, fn: () => Promise<T>): Promise<T> => {
    running.add(held);
    try {
      return await current.run(held, fn);
    } finally {
      running.delete(held);
    }
  };
  return {
    run: (job, token, fn) => (token === undefined || job.id === undefined ? fn() : run({ jobId: job.id, token }, fn)),
    check,
    held: () => [...running],
    journal: (inner) => ({
      load: (turnId) => inner.load(turnId),
      clear: (turnId) => inner.clear(turnId),
      async recordStep(...args) {
        await check();
        return inner.recordStep(...args);
      },
      async recordStart(...args) {
        await check();
        return inner.recordStart(...args);
      },
      async recordResult(...args) {
        await check();
        return inner.recordResult(...args);
      },
    }),
  };
}
