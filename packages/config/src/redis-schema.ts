import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const node = z.object({ host: z.string().min(1), port });

/**
 * Ours. Without `url`, `sentinels`, `cluster` (and without REDIS_URL) the cluster runs its own
 * redis-server; the other keys then describe how to reach an external Redis.
 */
export const redisSchema = z.object({
  url: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).optional(),
  /** Port of the embedded redis-server; not the system's 6379, so the two never collide. */
  port: port.default(6399),
  maxmemory: z
    .string()
    .regex(/^\d+(k|kb|m|mb|g|gb)?$/i, 'expected a redis memory size such as "256mb"')
    .optional(),
  /** An ACL user (or only a password: the `default` user), when the URL does not carry one. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** For `rediss://`: PEM files; `rejectUnauthorized: false` only for a test setup. */
  tls: z
    .object({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      servername: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  /** Redis Sentinel: the sentinels and the name of the master they watch (`sentinel monitor <name>`). */
  sentinels: z.array(node).min(1).optional(),
  name: z.string().min(1).optional(),
  /**
   * Redis Cluster: some of its nodes (the rest are discovered). Every key of ours and of BullMQ's
   * then carries the hash tag `{nb}`, so all of them live in one slot (docs/design-notes.md L24).
   */
  cluster: z.array(node).min(1).optional(),
  /** Replicas that must hold an inbound message (WAIT) before its channel confirms it at the source. */
  waitReplicas: z.number().int().min(0).max(16).default(0),
  /** How long that WAIT may block before the add counts as failed (the channel then tries again). */
  waitTimeoutMs: z.number().int().min(10).max(60_000).default(2_000),
});
