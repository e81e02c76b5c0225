import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startRedis,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type RedisServer,
} from '@nanobot/testkit';


describe('Telegram → agent → Telegram through pm2 and Redis', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  const allowed = Array.from({ length: 10 }, (_, i) => 7000 + i);
  const stranger = 6666;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: fakeConfig({
        apiRoot: telegram.apiRoot,
        token: telegram.token,
        llmBaseUrl: llm.baseUrl,
        allowFrom: allowed.map(String),
      }),
    });
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
});
