/**
 * The system under test: a private redis-server (AOF on), the fake Telegram, the
 * fake LLM, and the real cluster under pm2 pointed at them. Shared by
 * bench/recovery and bench/soak.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createCluster, fakeConfig, startFakeLlm, startFakeTelegram, startRedis } from '@nanobot/testkit';

/**
 * @param {{
 *   telegramInstances?: number,
 *   agentInstances?: number,
 *   logLevel?: string,
 *   keepLogsIn?: string,
 *   configure?: (config: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>,
 * }} options `configure` is the hook for more channels (e.g. testkit's withFakeWhatsapp); their
 *   pm2 processes are then found by name like the others.
 */
export async function startSetup(options = {}) {
  const redis = await startRedis({ appendonly: true });
  const telegram = await startFakeTelegram();
  const llm = await startFakeLlm();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
  // The bench restarts Redis on purpose; this client only reads the lease and reconnects.
  client.on('error', () => undefined);
  let cluster;
  const stop = async () => {
    if (cluster !== undefined && options.keepLogsIn !== undefined) {
      await mkdir(options.keepLogsIn, { recursive: true });
      // No logs yet is possible when the start failed early: nothing to keep then.
      await cp(join(cluster.pm2Home, 'logs'), options.keepLogsIn, { recursive: true }).catch(() => undefined);
      await cp(join(cluster.pm2Home, 'pm2.log'), join(options.keepLogsIn, 'pm2.log')).catch(() => undefined);
    }
    await cluster?.destroy();
    client.disconnect();
    await llm.close();
    await telegram.close();
    await redis.close();
  };
  try {
    const base = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    cluster = await createCluster({
      redisUrl: redis.url,
      telegramInstances: options.telegramInstances ?? 1,
      agentInstances: options.agentInstances ?? 1,
      config: options.configure === undefined ? base : await options.configure(base),
    });
    // createCluster defaults to debug logs; the ecosystem passes LOG_LEVEL on to the apps.
    cluster.env.LOG_LEVEL = options.logLevel ?? 'info';
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent'], 60_000);
    await client.connect();
  } catch (err) {
    await stop();
    throw err;
  }
  return { redis, telegram, llm, cluster, client, stop };
}
