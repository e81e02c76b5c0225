import type { Redis } from 'ioredis';
import { keyPrefix } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';

const channel = () => `${keyPrefix}cancel`;

/**
 * `/stop` reaches the running turn wherever it runs: every agent process
 * subscribes to one channel and aborts its turn of the named session.
 */
export function createTurnCanceller(deps: { redis: Redis; subscriber: Redis; log: Logger }) {
  const running = new Map<string, AbortController>();
  deps.subscriber.on('message', (from: string, sessionKey: string) => {
    if (from !== channel()) return;
    const controller = running.get(sessionKey);
    if (controller === undefined) return;
    deps.log.info({ sessionKey }, 'turn cancelled by /stop');
    controller.abort();
  });
  return {
    async start(): Promise<void> {
      await deps.subscriber.subscribe(channel());
    },
    /** Registers the turn now running for a session; call the result when it ends. */
    register(sessionKey: string, controller: AbortController): () => void {
      running.set(sessionKey, controller);
      return () => {
        if (running.get(sessionKey) === controller) running.delete(sessionKey);
      };
    },
    async cancel(sessionKey: string): Promise<void> {
      await deps.redis.publish(channel(), sessionKey);
    },
  };
}

export type TurnCanceller = ReturnType<typeof createTurnCanceller>;
