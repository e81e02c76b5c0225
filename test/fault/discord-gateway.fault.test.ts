import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createDiscordTraffic, failedCountIn, fakeConfig, startFakeDiscord, startFakeLlm, startFakeTelegram, startRedis,
  withFakeDiscord,
  type Cluster, type DiscordConversation, type FakeDiscord, type FakeLlm, type FakeTelegram, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * No loss and no double across what can happen to the Discord worker and its gateway
 * connection, through the real pm2 cluster: a kill -9 in the send window (a fault point),
 * a kill -9 mid-flow, a zombie connection (RESUME, missed events replayed) and a cut after
 * which the session cannot be resumed (INVALID_SESSION, REST catch-up).
 */
describe('the Discord worker across kills and lost gateway sessions', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let discord: FakeDiscord;
  let llm: FakeLlm;
  let cluster: Cluster;
  let onceFile: string;
  let conversations: DiscordConversation[];

  const settle = async (traffic: ReturnType<typeof createDiscordTraffic>, timeoutMs: number) => {
    await traffic.waitAllAnswered(timeoutMs);
    await sleep(2_000); // a late second copy would show up now
  };
  const failed = async () => failedCountIn((await cluster.nanobot('status')).stdout, 'outbound-discord');

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    discord = await startFakeDiscord({ heartbeatIntervalMs: 1_000 });
    llm.setLatency({ minMs: 0, maxMs: 30 });
    conversations = Array.from({ length: 5 }, (_, i) => {
      const author = { id: String(910_000_000_000_000_000n + BigInt(i)), username: `fault${i}` };
      if (i < 3) return { channelId: discord.dm(author), author };
      return { channelId: discord.guildChannel(String(710_000_000_000_000_000n + BigInt(i))), author, mention: true };
    });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeDiscord(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), discord),
    });
    // The Discord worker kills itself with SIGKILL right after Discord answers its first
    // create-message, before the sent-marker is written; once (the file), not after the restart.
    onceFile = join(cluster.home, 'fault-point-fired');
    cluster.env.NANOBOT_FAULT_POINT = 'after-send';
    cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-discord', 'nanobot-agent']);
    await discord.waitFor(() => discord.openConnections() === 1, 30_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await discord?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('answers once when the worker is killed between Discord creating the reply and the sent-marker', async () => {
    const traffic = createDiscordTraffic(discord, { conversations: conversations.slice(0, 1), prefix: 'after-send' });
    traffic.round();
    await discord.waitFor(() => existsSync(onceFile), 30_000);
    await cluster.waitOnline(['nanobot-discord']);
    traffic.round();
    await settle(traffic, 60_000);
    expect(traffic.report()).toEqual(cleanReport(2));
    // The re-run sent the chunk again with its nonce and Discord answered with the first message.
    expect(discord.stats().nonceHits).toBeGreaterThanOrEqual(1);
    expect(await failed()).toBe(0);
  }, 120_000);

  it('loses and doubles nothing when the worker is killed with -9 mid-flow', async () => {
    const traffic = createDiscordTraffic(discord, { conversations, prefix: 'kill9' });
    const identifiesBefore = discord.stats().identifies;
    await traffic.stream(6, 250, async (round) => {
      if (round === 2) process.kill(await cluster.pidOf('nanobot-discord'), 'SIGKILL');
    });
    await settle(traffic, 90_000);
    expect(traffic.report()).toEqual(cleanReport(30));
    // The new process started a fresh session (a killed process's session is gone with it).
    expect(discord.stats().identifies).toBeGreaterThan(identifiesBefore);
    expect(await failed()).toBe(0);
  }, 150_000);

  it('resumes a zombie connection and gets the events it missed replayed', async () => {
    const before = discord.stats();
    discord.setZombie(true);
    const traffic = createDiscordTraffic(discord, { conversations, prefix: 'zombie' });
    traffic.round(); // dispatched into the silent connection: only a RESUME brings them
    await discord.waitFor(() => discord.stats().resumed > before.resumed, 30_000);
    traffic.round();
    await settle(traffic, 60_000);
    expect(traffic.report()).toEqual(cleanReport(10));
    expect(discord.stats().identifies).toBe(before.identifies);
  }, 120_000);

  it('catches up through REST when the session cannot be resumed after a cut', async () => {
    const before = discord.stats();
    // The fake's session expiry stands in for Discord's timeout of a session cut off for a
    // while (60 s and more): after the cut the RESUME gets INVALID_SESSION (d=false), and the
    // messages written during the cut are never dispatched; only GET …/messages?after= has them.
    discord.cut({ expireSessions: true });
    const traffic = createDiscordTraffic(discord, { conversations, prefix: 'cut' });
    await traffic.stream(3, 500);
    discord.restore();
    traffic.round(); // and live traffic right after, which must not overtake the caught-up messages
    await settle(traffic, 90_000);
    expect(traffic.report()).toEqual(cleanReport(20));
    const after = discord.stats();
    expect(after.invalidSessions).toBeGreaterThan(before.invalidSessions);
    expect(after.identifies).toBeGreaterThan(before.identifies);
    expect(after.catchUpReads).toBeGreaterThan(before.catchUpReads);
    expect(await failed()).toBe(0);
  }, 150_000);
});
