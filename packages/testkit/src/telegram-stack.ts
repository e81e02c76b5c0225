import { startFakeLlm } from './fake-llm.js';
import type { FakeLlm } from './fake-llm.js';
import { startFakeTelegram } from './fake-telegram.js';
import type { FakeTelegram, FakeTelegramOptions } from './fake-telegram.js';
import { createCluster, fakeConfig, type Cluster } from './pm2-cluster.js';
import { startRedis, type RedisServer, type RedisServerOptions } from './redis-server.js';
import { startSlowRedisProxy, type SlowRedisProxy } from './slow-redis-proxy.js';

export type TelegramStack = {
  redis: RedisServer;
  telegram: FakeTelegram;
  llm: FakeLlm;
  cluster: Cluster;
  /** The delaying proxy the cluster talks through, when `slowRedisMs` was given. */
  proxy?: SlowRedisProxy;
  /** Stops the cluster and every fake, in that order. */
  close(): Promise<void>;
};

export type TelegramStackOptions = {
  redis?: RedisServerOptions;
  /** Put a proxy adding this many ms to every command between the cluster and Redis. */
  slowRedisMs?: number;
  agentInstances?: number;
  telegramInstances?: number;
  schedulerInstances?: number;
  /** Options of the fake Bot API (e.g. `identifyClients` to know which process made each call). */
  fakeTelegram?: FakeTelegramOptions;
  /** Changes to the config `fakeConfig` builds (e.g. extra Telegram options), applied in place. */
  configure?: (config: Record<string, unknown>) => void;
  /** Start the cluster (`nanobot start`) and wait for its processes (default true). */
  start?: boolean;
};

/**
 * The whole Telegram path of a test: a private Redis, the fake Bot API, the fake
 * LLM and the real cluster under pm2 pointed at them, started and online.
 */
export async function startTelegramStack(options: TelegramStackOptions = {}): Promise<TelegramStack> {
  const redis = await startRedis(options.redis);
  const telegram = await startFakeTelegram(options.fakeTelegram);
  const llm = await startFakeLlm();
  const proxy =
    options.slowRedisMs === undefined ? undefined : await startSlowRedisProxy({ target: { port: redis.port }, delayMs: options.slowRedisMs });
  const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
  options.configure?.(config);
  const cluster = await createCluster({
    redisUrl: proxy?.url ?? redis.url,
    config,
    ...(options.agentInstances === undefined ? {} : { agentInstances: options.agentInstances }),
    ...(options.telegramInstances === undefined ? {} : { telegramInstances: options.telegramInstances }),
    ...(options.schedulerInstances === undefined ? {} : { schedulerInstances: options.schedulerInstances }),
  });
  const close = async () => {
    await cluster.destroy();
    await telegram.close();
    await llm.close();
    await proxy?.close();
    await redis.close();
  };
  if (options.start !== false) {
    try {
      const started = await cluster.nanobot('start');
      if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
      await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
    } catch (err) {
      await close();
      throw err;
    }
  }
  return { redis, telegram, llm, cluster, close, ...(proxy === undefined ? {} : { proxy }) };
}
