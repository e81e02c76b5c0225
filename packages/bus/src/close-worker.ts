export type InHand = {
  /** The processor, counted: each call is in hand until it settles. */
  wrap<A extends unknown[], R>(processor: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  count(): number;
  /** Resolves once nothing is in hand (at once when nothing is). */
  idle(): Promise<void>;
};

export function createInHand(): InHand {
  let count = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    count -= 1;
    if (count > 0) return;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  return {
    wrap: (processor) => async (...args) => {
      count += 1;
      try {
        return await processor(...args);
      } finally {
        settle();
      }
    },
    count: () => count,
    idle: () => (count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}

/** What closeWorker needs of a BullMQ Worker. */
export type ClosableWorker = {
  close(): Promise<void>;
  disconnect(): Promise<void>;
};

export type CloseWorkerOptions = {
  worker: ClosableWorker;
  inHand: InHand;
  /** How long the close may go on once nothing is in hand: BullMQ's own completion writes fit well inside. */
  graceMs?: number;
  /** Called when the grace ran out and the worker was disconnected instead. */
  onForced?: () => void;
};

/**
 * Closes a BullMQ worker: waits, unbounded, for the jobs in hand (pm2's kill_timeout bounds a
 * stop), then gives BullMQ's close `graceMs` more. BullMQ's `Worker.close()` ends its blocking
 * connection and waits for ioredis' 'end' event; after a Redis Cluster failover that event can
 * fail to come, and the stop would hang until pm2's kill_timeout (design-notes L30). Past the
 * grace the worker is disconnected: nothing of ours is in hand, so at worst a job's completion was
 * not written and it is re-run, with its sent-markers keeping the reply single.
 */
export async function closeWorker(options: CloseWorkerOptions): Promise<'closed' | 'forced'> {
  const { worker, inHand, graceMs = 5_000 } = options;
  const closing = worker.close().then(() => 'closed' as const);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = inHand.idle().then(
    () =>
      new Promise<'forced'>((resolve) => {
        timer = setTimeout(() => resolve('forced'), graceMs);
      }),
  );
  try {
    const result = await Promise.race([closing, graceOver]);
    if (result === 'forced') {
      closing.catch(() => {
        // Safe to ignore: the close goes on in the background and the process exits next.
      });
      options.onForced?.();
      await Promise.race([worker.disconnect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}
