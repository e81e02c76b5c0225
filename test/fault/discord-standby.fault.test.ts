import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createDiscordTraffic, fakeConfig, startFakeDiscord, startFakeLlm, startFakeTelegram, startRedis, withFakeDiscord,
  type Cluster, type DiscordConversation, type FakeDiscord, type FakeLlm, type FakeTelegram, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two Discord instances (NANOBOT_DISCORD_INSTANCES=2): one holds the gateway connection, the
 * other waits. A kill -9 right after a message was queued and before its id was recorded as
 * handled (fault point `after-queue`) reads it back and drops the copy by its job id; kills of
 * each instance in turn leave at most one gateway connection and every message answered once.
 */
describe('Discord standbys and the queued-before-recorded rule', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let discord: FakeDiscord;
  let llm: FakeLlm;
  let cluster: Cluster;
  let onceFile: string;
  let conversations: DiscordConversation[];
  let mostConnections = 0;
  let sampler: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    discord = await startFakeDiscord({ heartbeatIntervalMs: 1_000 });
    llm.setLatency({ minMs: 0, maxMs: 30 });
    conversations = Array.from({ length: 4 }, (_, i) => {
      const author = { id: String(920_000_000_000_000_000n + BigInt(i)), username: `standby${i}` };
      return { channelId: discord.dm(author), author };
    });
    cluster = await createCluster({
      redisUrl: redis.url,
      discordInstances: 2,
      config: withFakeDiscord(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), discord),
    });
    onceFile = join(cluster.home, 'fault-point-fired');
    cluster.env.NANOBOT_FAULT_POINT = 'after-queue';
    cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-discord', 'nanobot-agent']);
    await discord.waitFor(() => discord.openConnections() === 1, 30_000);
    sampler = setInterval(() => {
      mostConnections = Math.max(mostConnections, discord.openConnections());
    }, 20);
  }, 120_000);

  afterAll(async () => {
    clearInterval(sampler);
    await cluster?.destroy();
    await discord?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('answers once when the worker dies after queuing a message and before recording it as handled', async () => {
    const traffic = createDiscordTraffic(discord, { conversations: conversations.slice(0, 1), prefix: 'after-queue' });
    traffic.round();
    await discord.waitFor(() => existsSync(onceFile), 30_000);
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(2));
  }, 120_000);

  it('keeps one gateway connection and answers everything once while each instance is killed in turn', async () => {
    const traffic = createDiscordTraffic(discord, { conversations, prefix: 'standby' });
    await traffic.stream(8, 300, async (round) => {
      if (round !== 2 && round !== 5) return;
      const discordProcesses = (await cluster.processes()).filter((p) => p.name === 'nanobot-discord' && p.pid > 0);
      const victim = discordProcesses[round === 2 ? 0 : discordProcesses.length - 1];
      if (victim !== undefined) process.kill(victim.pid, 'SIGKILL');
    });
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(32));
    expect(mostConnections).toBe(1);
  }, 150_000);
});
