import type { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import { AppError } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import type { InboundMessage } from '@nanobot/core';
import type { Redis } from 'ioredis';
import { toDiscordError } from './discord-rest.js';
import { createIntake } from './intake.js';
import { createSeenStore } from './seen-store.js';
import type { DiscordMessage, InboundPolicy } from './to-inbound.js';

export type DiscordChannelDeps = {
  rest: REST;
  queues: Queues;
  producer: Redis;
  settings: { token: string; intents: number; gatewayUrl?: string | undefined };
  policy: InboundPolicy;
  mediaDir: string;
  maxMediaBytes: number;
  /** Throws unless this process still holds the gateway lease (the kit's lease, checked in Redis). */
  fence: () => Promise<void>;
  log: Logger;
  /** The gateway answers again (READY or RESUMED): put-back replies need not wait out their hold. */
  onConnected?: () => void;
  onQueued?: (message: InboundMessage) => void;
  faultPoint?: (point: 'after-queue') => void | Promise<void>;
};

/** Close codes after which Discord will not take the same IDENTIFY again: a config fix is needed. */
const fatalCloseCodes = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

/**
 * One run of the Discord channel: who the bot is (`GET /users/@me`, which also proves the
 * token; `prepare`, before the kit asks for the gateway lease), then, as the lease holder, one
 * gateway session through @discordjs/ws until stopped, broken or the lease is lost.
 * Inside the run the library resumes a dropped session (RESUME, missed events replayed) and
 * notices a zombie connection (no heartbeat ACK); a session that cannot be resumed
 * (INVALID_SESSION) becomes a fresh IDENTIFY, and its READY makes the intake catch up through
 * REST. The session lives in this process only: a new process always starts a fresh one.
 */
export function createDiscordChannel(deps: DiscordChannelDeps) {
  const { rest, log } = deps;
  let botId: string | undefined;

  async function whoAmI(): Promise<string> {
    if (botId !== undefined) return botId;
    try {
      const me = (await rest.get('/users/@me')) as { id: string; username: string };
      log.info({ botId: me.id, username: me.username }, 'discord bot identified');
      botId = me.id;
      return me.id;
    } catch (err) {
      throw toDiscordError(err, 'GET /users/@me');
    }
  }

  function createManager(): WebSocketManager {
    // The session is kept in memory only (the default store does the same per manager).
    let session: SessionInfo | null = null;
    const manager = new WebSocketManager({
      token: deps.settings.token,
      intents: deps.settings.intents,
      rest,
      shardCount: 1,
      retrieveSessionInfo: () => session,
      updateSessionInfo: (_shard, info) => {
        session = info;
      },
    });
    const gatewayUrl = deps.settings.gatewayUrl;
    if (gatewayUrl !== undefined) {
      // nanobot's gatewayUrl wins over Discord's answer to GET /gateway/bot (a proxy, a test).
      const fetchInfo = manager.fetchGatewayInformation.bind(manager);
      manager.fetchGatewayInformation = async (force?: boolean) => ({ ...(await fetchInfo(force)), url: gatewayUrl.replace(/\/?\?.*$/, '') });
    }
    return manager;
  }

  return {
    async prepare(ctx: ChannelContext): Promise<void> {
      ctx.reportState({ bot: await whoAmI() });
    },
    /** As the lease holder: `ctx.signal` is also aborted when the lease is lost. */
    async run(ctx: ChannelContext): Promise<void> {
      const id = await whoAmI();
      const { signal } = ctx;
      const intake = createIntake(
        {
          rest, queues: deps.queues, seen: createSeenStore(deps.producer, id), policy: deps.policy, botId: id, mediaDir: deps.mediaDir,
          maxMediaBytes: deps.maxMediaBytes, log,
          onQueued: (message) => {
            deps.fence().then(() => deps.onQueued?.(message), () => undefined);
          },
          ...(deps.faultPoint === undefined ? {} : { faultPoint: deps.faultPoint }),
        },
        signal,
      );
      const manager = createManager();
      let fatal: (err: AppError) => void = () => undefined;
      const closedForGood = new Promise<never>((_, reject) => {
        fatal = reject;
      });
      closedForGood.catch(() => undefined);
      manager.on(WebSocketShardEvents.Dispatch, (payload) => {
        ctx.reportAlive();
        if (payload.t === 'READY') {
          log.info({ sessionId: payload.d.session_id }, 'discord gateway session started (IDENTIFY)');
          ctx.reportState({ session: 'identified', lastReadyAt: Date.now() });
          intake.sessionStarted();
          deps.onConnected?.();
        } else if (payload.t === 'RESUMED') {
          log.info('discord gateway session resumed');
          ctx.reportState({ session: 'resumed', lastResumedAt: Date.now() });
          deps.onConnected?.();
        } else if (payload.t === 'MESSAGE_CREATE') {
          intake.message(payload.d as unknown as DiscordMessage);
        }
      });
      manager.on(WebSocketShardEvents.HeartbeatComplete, () => ctx.reportAlive());
      manager.on(WebSocketShardEvents.Debug, (message) => log.debug({ gateway: message }, 'discord gateway'));
      manager.on(WebSocketShardEvents.Error, (err) => log.warn({ err }, 'discord gateway error'));
      manager.on(WebSocketShardEvents.Closed, (code) => {
        log.info({ code }, 'discord gateway connection closed');
        if (fatalCloseCodes.has(code)) fatal(new AppError('CHANNEL_FATAL', `Discord closed the gateway with ${code}: check the token and intents`));
      });
      const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      try {
        await Promise.race([manager.connect().then(() => stopped), stopped, closedForGood, intake.failed]);
      } catch (err) {
        throw toDiscordError(err, 'gateway');
      } finally {
        // Finish the message in hand (its add, its seen id) before the connection goes.
        await Promise.race([intake.drain(), new Promise((r) => setTimeout(r, 10_000).unref())]);
        await Promise.resolve(manager.destroy({ code: 1000, reason: 'nanobot stopping' })).catch((err: unknown) => log.debug({ err }, 'gateway destroy failed'));
      }
    },
  };
}
