import type { Redis } from 'ioredis';

/**
 * Resolves once `primary` counts `count` replicas as online and one WAIT for them succeeds.
 * The primary's view is what WAIT counts: a replica reports `master_link_status:up` before the
 * primary has its first acknowledgement, so polling the replica is not enough. The WAIT's long
 * timeout costs nothing when replication works (it returns at the first ack).
 */
export async function waitForReplicas(primary: Redis, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (onlineReplicas(await primary.info('replication')) < count) {
    if (Date.now() > deadline) throw new Error(`the primary did not see ${count} online replica(s) within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const acked = Number(await primary.call('WAIT', String(count), String(Math.max(1, deadline - Date.now()))));
  if (acked < count) throw new Error(`WAIT got ${acked} of ${count} replicas`);
}

/** Replicas in `INFO replication` with `state=online`. */
export function onlineReplicas(info: string): number {
  return info.split(/\r?\n/).filter((line) => /^slave\d+:.*state=online/.test(line)).length;
}
