import { describe, expect, it } from 'vitest';
import { closeWorker, createInHand, type ClosableWorker } from './close-worker.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A worker whose close never ends, as BullMQ's did after a Redis Cluster failover (design-notes L30). */
function hangingWorker(): ClosableWorker & { disconnects: number } {
  const worker = {
    disconnects: 0,
    close: () => new Promise<void>(() => undefined),
    disconnect: async () => void (worker.disconnects += 1),
  };
  return worker;
}

describe('closeWorker', () => {
  it('returns as soon as the close ends, without disconnecting', async () => {
    let disconnected = false;
    const worker: ClosableWorker = { close: () => sleep(20), disconnect: async () => void (disconnected = true) };
    expect(await closeWorker({ worker, inHand: createInHand(), graceMs: 1_000 })).toBe('closed');
    expect(disconnected).toBe(false);
  });

  it('disconnects a worker whose close hangs once the grace after its last job is over', async () => {
    const worker = hangingWorker();
    let forced = 0;
    const startedAt = Date.now();
    expect(await closeWorker({ worker, inHand: createInHand(), graceMs: 100, onForced: () => (forced += 1) })).toBe('forced');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(95);
    expect(worker.disconnects).toBe(1);
    expect(forced).toBe(1);
  });

  it('waits for the jobs in hand however long they take, and starts the grace only after the last one', async () => {
    const worker = hangingWorker();
    const inHand = createInHand();
    let finish: (() => void) | undefined;
    const job = inHand.wrap(() => new Promise<string>((resolve) => (finish = () => resolve('done'))));
    const running = job();
    expect(inHand.count()).toBe(1);
    let result: string | undefined;
    const closing = closeWorker({ worker, inHand, graceMs: 100 }).then((r) => (result = r));
    await sleep(400);
    expect(result).toBeUndefined();
    expect(worker.disconnects).toBe(0);
    const finishedAt = Date.now();
    finish?.();
    expect(await running).toBe('done');
    await closing;
    expect(result).toBe('forced');
    expect(Date.now() - finishedAt).toBeGreaterThanOrEqual(95);
    expect(inHand.count()).toBe(0);
  });

  it('counts a job that throws as settled', async () => {
    const inHand = createInHand();
    const failing = inHand.wrap(async () => {
      throw new Error('boom');
    });
    await expect(failing()).rejects.toThrow('boom');
    expect(inHand.count()).toBe(0);
    await inHand.idle();
  });
});
