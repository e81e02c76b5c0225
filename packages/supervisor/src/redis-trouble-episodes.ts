import type { Logger } from '@nanobot/log';
import { classifyRedisError, redisTroubleLabel } from '@nanobot/bus';

/**
 * The longest a channel waits between runs while Redis refuses writes (full, cannot write to
 * disk, loading, read-only). That trouble is not the channel's: its source keeps the
 * messages, and a calm, short retry takes them as soon as Redis takes writes again, where the
 * exponential backoff would leave them waiting for up to five minutes after Redis recovered.
 */
export const redisTroubleRetryMaxMs = 5_000;

/**
 * Only Redis's own refusals count: a reset or timeout may as well be the channel's remote
 * (Telegram, Slack) and keeps the normal backoff; an unreachable Redis is waited for by the
 * connections themselves.
 */
export function redisRefusalOf(err: unknown): string | undefined {
  const kind = classifyRedisError(err);
  return kind === 'full' || kind === 'disk' || kind === 'loading' || kind === 'readonly' ? redisTroubleLabel[kind] : undefined;
}

/**
 * Redis trouble is logged once per episode, at error level (a person must free memory or
 * disk), not on every attempt: an episode is the failed runs with the same trouble, and ends
 * with another kind of failure or a run that lasted.
 */
export function createTroubleEpisodes(options: { name: string; log: Logger; troubleOf?: (err: unknown) => string | undefined }) {
  const troubleOf = options.troubleOf ?? redisRefusalOf;
  let current: string | undefined;
  let attempts = 0;
  return {
    /** The trouble behind a failed run, logged if it starts an episode; undefined when it is no Redis trouble. */
    note(err: unknown): string | undefined {
      const trouble = troubleOf(err);
      if (trouble === undefined) {
        current = undefined;
        return undefined;
      }
      attempts = trouble === current ? attempts + 1 : 1;
      if (trouble !== current) {
        options.log.error({ err, trouble }, `${options.name} channel held: ${trouble}; new messages stay at their source until Redis takes writes again`);
      } else {
        options.log.debug({ trouble, attempts }, `${options.name} channel still held by Redis trouble`);
      }
      current = trouble;
      return trouble;
    },
    /** A run lasted (Redis took its writes): whatever comes next is a new episode. */
    end(): void {
      current = undefined;
      attempts = 0;
    },
    /** True while the runs fail with Redis trouble. */
    active: () => current !== undefined,
  };
}
