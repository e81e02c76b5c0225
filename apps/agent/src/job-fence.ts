import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import type { ToolCallJournal } from './tools/tool-call-journal.js';

type Held = { jobId: string; token: string };

export type JobFence = {
  /** Runs a job's processing with its lock known to `check`. */
  run<T>(job: Job, token: string | undefined, fn: () => Promise<T>): Promise<T>;
  /**
   * Throws LEASE_LOST when the job being processed is no longer this process's (its BullMQ
   * lock holds another token, or none): the process was frozen or cut off long enough for
   * its job to be taken back and run elsewhere. Called before every effect of a turn: after
   * each model answer, before each tool-call record and before each reply is queued.
   */
  check(): Promise<void>;
  /** The journal with `check` before every record it writes. */
  journal(inner: ToolCallJournal): ToolCallJournal;
};

export function createJobFence(redis: Redis, queue: Queue): JobFence {
  const current = new AsyncLocalStorage<Held>();
  const check = async (): Promise<void> => {
    const held = current.getStore();
    if (held === undefined) return;
    let lock: string | null;
    try {
      lock = await redis.get(`${queue.toKey(held.jobId)}:lock`);
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', 'could not check the job lock', { cause, details: { jobId: held.jobId } });
    }
    if (lock !== held.token) {
      throw new AppError('LEASE_LOST', `job ${held.jobId} was taken over by another agent`, { details: { jobId: held.jobId } });
    }
  };
  return {
    run: (job, token, fn) => (token === undefined || job.id === undefined ? fn() : current.run({ jobId: job.id, token }, fn)),
    check,
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
