import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createDiscordTraffic, createTraffic, fakeConfig, startFakeDiscord, startFakeLlm, startFakeTelegram, startRedis,
  withFakeDiscord,
  type Cluster, type DiscordConversation, type FakeDiscord, type FakeDiscordUser, type FakeLlm, type FakeTelegram, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Discord → agent → Discord through pm2 and Redis', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let discord: FakeDiscord;
  let llm: FakeLlm;
  let cluster: Cluster;
  const users: FakeDiscordUser[] = Array.from({ length: 10 }, (_, i) => ({ id: String(900_000_000_000_000_000n + BigInt(i)), username: `user${i}` }));
  const stranger: FakeDiscordUser = { id: '800000000000000666', username: 'stranger' };
  let conversations: DiscordConversation[];

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    discord = await startFakeDiscord();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    // Six DMs, three guild channels (mention policy) and a thread.
    conversations = users.map((author, i) => {
      if (i < 6) return { channelId: discord.dm(author), author };
      const channelId = i === 9
        ? discord.guildChannel(String(700_000_000_000_000_000n + BigInt(i)), { parentId: String(700_000_000_000_000_006n) })
        : discord.guildChannel(String(700_000_000_000_000_000n + BigInt(i)));
      return { channelId, author, mention: true };
    });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeDiscord(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), discord, {
        allowFrom: users.map((u) => u.id),
      }),
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-discord', 'nanobot-telegram', 'nanobot-agent']);
    await discord.waitFor(() => discord.openConnections() === 1, 30_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await discord?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('answers 50 messages from 10 conversations exactly once, in order, as replies; ignores a stranger and unmentioned guild talk', async () => {
    const traffic = createDiscordTraffic(discord, { conversations, prefix: 'dc' });
    for (let round = 0; round < 5; round += 1) traffic.round();
    const strangerDm = discord.dm(stranger);
    discord.inject({ channelId: strangerDm, author: stranger, text: 'let me in' });
    const guild = conversations[6];
    if (guild === undefined) throw new Error('no guild conversation');
    discord.inject({ channelId: guild.channelId, author: guild.author, text: 'talking among ourselves' });
    await traffic.waitAllAnswered(90_000);
    // A duplicate, or a late answer to the ignored messages, would arrive now if at all.
    await sleep(1_500);
    expect(traffic.report()).toEqual(cleanReport(50));
    expect(discord.sentTo(strangerDm)).toEqual([]);
    expect(discord.sentTo(guild.channelId).some((m) => m.content.includes('among ourselves'))).toBe(false);
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('let me in'))).toBe(false);
    // Each reply quotes the message it answers, and none was deduplicated by its nonce (none was sent twice).
    const first = conversations[0];
    if (first === undefined) throw new Error('no conversation');
    const sent = discord.sentTo(first.channelId);
    expect(sent.every((m) => m.message_reference?.message_id !== undefined && m.nonce !== undefined)).toBe(true);
    expect(discord.stats().nonceHits).toBe(0);
    expect(discord.stats().typing).toBeGreaterThan(0);
  }, 120_000);

  it('splits a reply over 2000 characters into messages Discord accepts', async () => {
    const long = `long-${'x'.repeat(2500)}`;
    const conversation = conversations[1];
    if (conversation === undefined) throw new Error('no conversation');
    const before = discord.sentTo(conversation.channelId).length;
    discord.inject({ channelId: conversation.channelId, author: conversation.author, text: long });
    await discord.waitFor(() => discord.sentTo(conversation.channelId).length >= before + 2, 30_000);
    const parts = discord.sentTo(conversation.channelId).slice(before);
    expect(parts.every((m) => m.content.length <= 2000)).toBe(true);
    expect(parts.map((m) => m.content).join('')).toContain('x'.repeat(1900));
  }, 60_000);

  it('downloads an attachment into the media folder and names it in the turn', async () => {
    const conversation = conversations[2];
    if (conversation === undefined) throw new Error('no conversation');
    discord.inject({
      channelId: conversation.channelId, author: conversation.author, text: 'see file',
      attachments: [{ filename: 'notes.txt', body: Buffer.from('hello from discord') }],
    });
    await discord.waitFor(() => discord.sentTo(conversation.channelId).some((m) => m.content.includes('see file')), 30_000);
    const reply = discord.sentTo(conversation.channelId).find((m) => m.content.includes('see file'));
    expect(reply?.content).toMatch(/\[attachment: .*media\/discord\/\d+\/\d+_notes\.txt\]/);
  }, 60_000);

  it('shows the Discord worker in `nanobot status`', async () => {
    const status = await cluster.nanobot('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/nanobot-discord\s+online/);
    expect(status.stdout).toMatch(/discord\s+running/);
    // Debug-level logs of the whole run so far, and the bot token in none of them.
    const logs = await cluster.logs('nanobot-discord');
    expect(logs).toContain('discord gateway session started');
    expect(logs).not.toContain(discord.token);
  }, 30_000);

  it('keeps Telegram answering on time while the Discord worker crash-loops', async () => {
    let running = true;
    let kills = 0;
    const loop = (async () => {
      while (running) {
        const pid = await cluster.pidOf('nanobot-discord').catch(() => 0);
        if (pid > 0) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
        }
        await sleep(500);
      }
    })();
    const traffic = createTraffic(telegram, { chats: [8201, 8202, 8203], prefix: 'tg-while-dc-loops' });
    const queued = createDiscordTraffic(discord, { conversations: conversations.slice(0, 2), prefix: 'dc-during-loop' });
    try {
      queued.round();
      // Telegram traffic for as long as the crash loop takes to kill the Discord worker three times.
      const deadline = Date.now() + 60_000;
      while (kills < 3 && Date.now() < deadline) await traffic.stream(1, 300);
      await traffic.waitAllAnswered(30_000);
    } finally {
      running = false;
      await loop;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(Math.max(...traffic.latencies())).toBeLessThan(5_000);
    // Discord comes back by itself and answers what arrived while it was crashing (REST catch-up).
    await queued.waitAllAnswered(60_000);
    expect(queued.report()).toEqual(cleanReport(2));
  }, 150_000);
});
