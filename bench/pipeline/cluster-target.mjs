/** Starts and stops the real cluster (pm2, private redis-server) against the fakes. */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createCluster, fakeConfig, startRedis } from '@nanobot/testkit';
import { readStages } from './stages.mjs';

/**
 * @param {{ telegram: import('@nanobot/testkit').FakeTelegram, llm: import('@nanobot/testkit').FakeLlm, logLevel: string, keepLogsIn?: string }} options
 */
export async function startCluster({ telegram, llm, logLevel, keepLogsIn }) {
  const redis = await startRedis();
  let cluster;
  const stop = async () => {
    if (cluster !== undefined && keepLogsIn !== undefined) {
      await mkdir(keepLogsIn, { recursive: true });
      await cp(join(cluster.pm2Home, 'logs'), keepLogsIn, { recursive: true }).catch(() => undefined); // no logs: nothing to keep
    }
    await cluster?.destroy();
    await redis.close();
  };
  try {
    cluster = await createCluster({
      redisUrl: redis.url,
      config: fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }),
    });
    // createCluster defaults to debug logs; the ecosystem passes LOG_LEVEL on to the apps.
    cluster.env.LOG_LEVEL = logLevel;
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent'], 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name: 'cluster',
    /** Where the time goes, from the BullMQ job timestamps in Redis. */
    stages: (replies) => readStages({ redisUrl: redis.url, botId: telegram.botId, replies }),
    stop,
  };
}
