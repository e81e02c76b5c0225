import { Cluster as RedisClusterClient } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startRedis,
  startRedisCluster,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
} from '@nanobot/testkit';

type Config = ReturnType<typeof fakeConfig>;

/** Where the cluster's Redis comes from: REDIS_URL, or config.json's `redis.*` keys. */
type RedisSetup = { redisUrl?: string; redis?: Config['redis']; nodes?: Array<{ host: string; port: number }>; close(): Promise<void> };

const setups: Array<{ name: string; start: () => Promise<RedisSetup> }> = [
  {
    name: 'one redis-server',
    start: async () => {
      const server = await startRedis();
      return { redisUrl: server.url, close: () => server.close() };
    },
  },
  {
    // The same round trip, unchanged, on a 3-primary Redis Cluster named in config.json.
    name: 'a 3-primary Redis Cluster',
    start: async () => {
      const setup = await startRedisCluster();
      return { redis: { cluster: setup.nodes } as Config['redis'], nodes: setup.nodes, close: () => setup.close() };
    },
  },
];

describe.each(setups)('Telegram → agent → Telegram through pm2 and Redis ($name)', ({ start }) => {
  let redis: RedisSetup;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  const allowed = Array.from({ length: 10 }, (_, i) => 7000 + i);
  const stranger = 6666;

  beforeAll(async () => {
    redis = await start();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    const config = fakeConfig({
      apiRoot: telegram.apiRoot,
      token: telegram.token,
      llmBaseUrl: llm.baseUrl,
      allowFrom: allowed.map(String),
    });
    if (redis.redis !== undefined) config.redis = redis.redis;
    cluster = await createCluster({ ...(redis.redisUrl === undefined ? {} : { redisUrl: redis.redisUrl }), config });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  });

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('answers 50 messages from 10 chats exactly once each, in order per chat, and gives a stranger only a pairing code', async () => {
    const expected = new Map<number, string[]>();
    for (let round = 0; round < 5; round += 1) {
      for (const chatId of allowed) {
        const text = `m-${chatId}-${round}`;
        telegram.injectMessage({ chatId, text });
        expected.set(chatId, [...(expected.get(chatId) ?? []), `echo: ${text}`]);
      }
    }
    telegram.injectMessage({ chatId: stranger, text: 'let me in' });

    await telegram.waitFor(() => telegram.sent().length >= 51, 60_000);
    // Grace period: a duplicate would arrive now, if at all.
    await new Promise((r) => setTimeout(r, 1500));

    expect(telegram.sent().filter((m) => m.chatId !== String(stranger))).toHaveLength(50);
    for (const chatId of allowed) {
      expect(telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(expected.get(chatId));
    }
    // nanobot's DM pairing: one code, and the message never reaches the model.
    expect(telegram.sentTo(stranger).map((m) => m.visibleText)).toEqual([expect.stringMatching(/pairing code: [A-Z0-9]{4}-[A-Z0-9]{4}/)]);
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('let me in'))).toBe(false);
  });

  it('shows each process in `nanobot status`', async () => {
    const status = await cluster.nanobot('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/nanobot-telegram\s+online/);
    expect(status.stdout).toMatch(/nanobot-agent\s+online/);
    expect(status.stdout).toMatch(/telegram\s+running/);
    expect(status.stdout).toMatch(/inbound\s+waiting 0 active 0/);
  });

  it('on a cluster, keeps every key in the slot of {nb} and says so in `nanobot doctor`', async (context) => {
    const nodes = redis.nodes;
    if (nodes === undefined) return context.skip();
    const client = new RedisClusterClient(nodes);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const keys = (await Promise.all(client.nodes('master').map((node) => node.keys('*')))).flat();
      expect(keys.length).toBeGreaterThan(0);
      // Untagged keys would mean a multi-key command or script could cross slots.
      expect(keys.filter((key) => !key.startsWith('{nb}:'))).toEqual([]);
      const doctor = await cluster.nanobot('doctor');
      expect(doctor.stdout).toMatch(/✓ cluster\s+ok, 3 primaries, 16384 of 16384 slots assigned, nanobot's keys on 127\.0\.0\.1:\d+/);
      expect(doctor.stdout).toMatch(/✓ redis\s+reachable, noeviction \(on all 3 primaries\)/);
    } finally {
      client.disconnect();
    }
  });
});
