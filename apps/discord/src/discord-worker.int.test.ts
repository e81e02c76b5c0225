import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, queueNames } from '@nanobot/bus';
import { parseConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { startFakeDiscord, startRedis, type FakeDiscord, type RedisServer } from '@nanobot/testkit';
import { createDiscordWorker, type DiscordWorker } from './discord-worker.js';

const log = createLogger({ name: 'discord-int', level: 'silent' });
const ann = { id: '930000000000000001', username: 'ann' };

/** The Discord worker in this process against a real Redis and the fake Discord: what lands in `inbound`. */
describe('the Discord worker against the fake Discord', () => {
  let redis: RedisServer;
  let client: Redis;
  let inbound: Queue;
  let discord: FakeDiscord;
  let worker: DiscordWorker;
  let media: string;

  const inboundTexts = async (): Promise<string[]> => {
    const jobs = await inbound.getJobs(['waiting', 'active', 'completed', 'delayed', 'prioritized', 'waiting-children']);
    return jobs.sort((a, b) => Number(a.data.seq) - Number(b.data.seq)).map((job) => String((job.data as { text?: string }).text));
  };

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // one test restarts Redis on purpose
    inbound = new Queue(queueNames.inbound, { connection: client, prefix: bullPrefix });
    inbound.on('error', () => undefined);
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
    media = await mkdtemp(join(tmpdir(), 'discord-media-'));
    const settings = parseConfig(
      { channels: { discord: { enabled: true, token: discord.token, apiBase: discord.apiBase, allowFrom: [ann.id] } } },
      { env: {}, homeDir: '/tmp', nanobotHome: '/tmp/nb' },
    ).config.channels.discord;
    worker = createDiscordWorker({ settings, redisUrl: redis.url, mediaDir: media, log, holder: 'test:0', instance: '0', pid: process.pid });
    await worker.start((err) => {
      throw err;
    });
    await discord.waitFor(() => discord.openConnections() === 1, 10_000);
  }, 30_000);

  afterAll(async () => {
    await worker?.stop('test over').catch(() => undefined);
    await discord?.close();
    await inbound?.close();
    client?.disconnect();
    await redis?.close();
    await rm(media, { recursive: true, force: true });
  });

  it('queues each message once under its message id, in order, across a RESUME that replays', async () => {
    const channelId = discord.dm(ann);
    const first = discord.inject({ channelId, author: ann, text: 'one' });
    discord.inject({ channelId, author: ann, text: 'two' });
    await expect.poll(inboundTexts, { timeout: 10_000 }).toEqual(['one', 'two']);
    expect(await inbound.getJob(`dc-${first.id}`)).toBeDefined();
    // A zombie connection: the next message waits in the session; the RESUME replays it.
    discord.setZombie(true);
    discord.inject({ channelId, author: ann, text: 'three' });
    await expect.poll(inboundTexts, { timeout: 15_000 }).toEqual(['one', 'two', 'three']);
    expect(discord.stats().resumed).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('holds the line through a Redis restart: nothing lost, nothing out of order', async () => {
    const channelId = discord.dm(ann);
    await redis.stop();
    discord.inject({ channelId, author: ann, text: 'during-1' });
    discord.inject({ channelId, author: ann, text: 'during-2' });
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.restart();
    await expect.poll(inboundTexts, { timeout: 20_000 }).toEqual(['one', 'two', 'three', 'during-1', 'during-2']);
  }, 40_000);
});
