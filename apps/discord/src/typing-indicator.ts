import type { REST } from '@discordjs/rest';
import type { Logger } from '@nanobot/log';

/** Discord shows "typing…" for about 10 s per call: renewed every 8 s until the reply is sent, at most 2 min. */
export function createTypingIndicator(deps: { rest: REST; log: Logger; everyMs?: number; maxMs?: number }) {
  const timers = new Map<string, { timer: NodeJS.Timeout; until: number }>();
  const everyMs = deps.everyMs ?? 8_000;
  const maxMs = deps.maxMs ?? 120_000;
  const ping = (channelId: string) => {
    deps.rest.post(`/channels/${channelId}/typing`).catch((err: unknown) => deps.log.debug({ err, channelId }, 'typing failed'));
  };
  const stop = (channelId: string) => {
    const entry = timers.get(channelId);
    if (entry === undefined) return;
    clearInterval(entry.timer);
    timers.delete(channelId);
  };
  return {
    start(channelId: string): void {
      stop(channelId);
      ping(channelId);
      const until = Date.now() + maxMs;
      const timer = setInterval(() => (Date.now() > until ? stop(channelId) : ping(channelId)), everyMs);
      timer.unref();
      timers.set(channelId, { timer, until });
    },
    stop,
    stopAll(): void {
      for (const channelId of [...timers.keys()]) stop(channelId);
    },
  };
}
