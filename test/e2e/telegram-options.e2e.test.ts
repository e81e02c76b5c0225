import { createServer, connect, type Server } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
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

/** A minimal HTTP CONNECT proxy on loopback that counts the tunnels it opened. */
function startConnectProxy(): Promise<{ server: Server; url: string; tunnels: () => number }> {
  let tunnels = 0;
  const server = createServer((client) => {
    client.once('data', (head) => {
      const match = /^CONNECT ([^:\s]+):(\d+) HTTP/.exec(head.toString());
      if (match === null) {
        client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      const upstream = connect(Number(match[2]), match[1], () => {
        tunnels += 1;
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}`, tunnels: () => tunnels });
    });
  });
}

describe('Telegram options from nanobot\'s config', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    proxy = await startConnectProxy();
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    const channels = config.channels as { telegram: Record<string, unknown> };
    Object.assign(channels.telegram, { proxy: proxy.url, reactEmoji: '👀', replyToMessage: true });
    cluster = await createCluster({ redisUrl: redis.url, config });
    expect((await cluster.nanobot('start')).code).toBe(0);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  });

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
    proxy?.server.close();
  });

  it('talks to the Bot API through the proxy, reacts to accepted messages until they are answered and quotes them in replies', async () => {
    const update = telegram.injectMessage({ chatId: 77, text: 'quote me' });
    await telegram.waitFor(() => telegram.sentTo(77).length === 1, 20_000);
    const reply = telegram.sentTo(77)[0];
    expect(reply?.visibleText).toBe('echo: quote me');
    expect(reply?.replyToMessageId).toBe(update.message?.message_id);
    await telegram.waitFor(() => telegram.calls('setMessageReaction').length >= 1, 5_000);
    const reaction = telegram.calls('setMessageReaction')[0]?.params as { chat_id?: unknown; message_id?: unknown; reaction?: unknown };
    expect(String(reaction.chat_id)).toBe('77');
    expect(reaction.message_id).toBe(update.message?.message_id);
    expect(JSON.stringify(reaction.reaction)).toContain('👀');
    // The answer is sent: the reaction comes off the message.
    await telegram.waitFor(() => telegram.calls('setMessageReaction').length >= 2, 5_000);
    const removal = telegram.calls('setMessageReaction')[1]?.params as { message_id?: unknown; reaction?: unknown };
    expect(removal.message_id).toBe(update.message?.message_id);
    expect(removal.reaction ?? []).toEqual([]);
    expect(proxy.tunnels()).toBeGreaterThan(0);
  });

  it('parks a malformed update in the failed set and keeps answering', async () => {
    const bad = telegram.injectUpdate({ message: { text: 'no chat here', date: 0 } });
    telegram.injectMessage({ chatId: 78, text: 'after the bad one' });
    await telegram.waitFor(() => telegram.sentTo(78).length === 1, 20_000);
    expect(telegram.confirmedOffset()).toBeGreaterThan(bad.update_id);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const inbound = new Queue('inbound', { connection, prefix: 'nb' });
    try {
      const deadline = Date.now() + 10_000;
      let failed = await inbound.getFailed();
      while (failed.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        failed = await inbound.getFailed();
      }
      expect(failed.map((job) => job.id)).toEqual([`tg-${telegram.botId}-${bad.update_id}`]);
      expect(failed[0]?.failedReason).toMatch(/invalid inbound message/);
    } finally {
      await inbound.close();
      await connection.quit();
    }
  });
});
