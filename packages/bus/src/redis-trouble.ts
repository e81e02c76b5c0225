/**
 * The one place that names what a Redis error means for us. Workers, `nanobot status` and the
 * dashboard's `/health` all use this, so "Redis full" means the same thing everywhere.
 *
 * - `full`: `maxmemory` reached under `noeviction` (OOM): writes are refused, reads still work.
 * - `disk`: Redis could not persist (MISCONF after a failed RDB save, or AOF write errors): writes refused.
 * - `loading`: Redis is loading its dataset after a start; every command is refused for a while.
 * - `readonly`: a replica (e.g. right after a failover) refuses writes.
 * - `unreachable`: timeouts, refused or reset connections, a closed connection.
 * - `other`: anything else (a bug or bad input, not Redis trouble).
 *
 * Every kind but `other` is transient: the worker holds (does not confirm at the source, does
 * not exit) and tries again later.
 */
export type RedisTroubleKind = 'full' | 'disk' | 'loading' | 'readonly' | 'unreachable' | 'other';

/** Short words for status lines and `/health`. */
export const redisTroubleLabel: Record<Exclude<RedisTroubleKind, 'other'>, string> = {
  full: 'Redis full',
  disk: 'Redis cannot write to disk',
  loading: 'Redis loading',
  readonly: 'Redis read-only',
  unreachable: 'Redis unreachable',
};

const byReplyPrefix: [RegExp, RedisTroubleKind][] = [
  [/^OOM\b/, 'full'],
  [/^MISCONF\b/, 'disk'],
  [/write error|Errors writing to the AOF file|AOF .*(?:error|failed)/i, 'disk'],
  [/^LOADING\b/, 'loading'],
  [/^READONLY\b/, 'readonly'],
  [/^(?:MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/, 'unreachable'],
];

const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const unreachableMessages = /Connection is closed|Command timed out|Stream isn't writeable|connect ETIMEDOUT|Reached the max retries per request/i;

/** What a Redis error means; looks through `cause` chains and BullMQ/ioredis wrappers. */
export function classifyRedisError(error: unknown, depth = 0): RedisTroubleKind {
  if (error === null || error === undefined || depth > 4) return 'other';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const trimmed = message.replace(/^(?:ReplyError|Error):\s*/, '').trim();
  for (const [pattern, kind] of byReplyPrefix) if (pattern.test(trimmed)) return kind;
  const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && unreachableCodes.has(code)) return 'unreachable';
  if (unreachableMessages.test(trimmed)) return 'unreachable';
  if (typeof error === 'object') {
    const nested = (error as { cause?: unknown; previousErrors?: unknown[] }).cause ?? (error as { previousErrors?: unknown[] }).previousErrors?.[0];
    if (nested !== undefined) return classifyRedisError(nested, depth + 1);
  }
  return 'other';
}

/** True when the error is Redis trouble that a worker must hold through, not a bug to park. */
export const isRedisTrouble = (error: unknown): boolean => classifyRedisError(error) !== 'other';

/** The status/health words for an error, or undefined when it is not Redis trouble. */
export function redisTroubleOf(error: unknown): string | undefined {
  const kind = classifyRedisError(error);
  return kind === 'other' ? undefined : redisTroubleLabel[kind];
}
