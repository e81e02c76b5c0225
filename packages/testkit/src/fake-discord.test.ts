import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startFakeDiscord } from './fake-discord.js';
import type { FakeDiscord } from './fake-discord-types.js';

type Payload = { op: number; d?: unknown; s?: number; t?: string };

/** A bare gateway client: every payload it got, and a way to wait for the next of a kind. */
async function connect(url: string) {
  const socket = new WebSocket(`${url}?v=10&encoding=json`);
  const got: Payload[] = [];
  const waiters: Array<() => void> = [];
  let closeCode: number | undefined;
  socket.on('message', (data: Buffer) => {
    got.push(JSON.parse(data.toString()) as Payload);
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('close', (code) => {
    closeCode = code;
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = async (match: (p: Payload) => boolean, timeoutMs = 3_000): Promise<Payload> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = got.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline || closeCode !== undefined) throw new Error(`no such payload (closed ${closeCode})`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { socket, got, next, send: (p: unknown) => socket.send(JSON.stringify(p)), closeCode: () => closeCode };
}

describe('fake Discord gateway and REST', () => {
  let discord: FakeDiscord;
  beforeEach(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
  });
  afterEach(async () => {
    await discord.close();
  });

  it('speaks HELLO, IDENTIFY → READY, heartbeats with ACKs, and MESSAGE_CREATE with sequence numbers', async () => {
    const client = await connect(discord.gatewayUrl);
    const hello = await client.next((p) => p.op === 10);
    expect(hello.d).toEqual({ heartbeat_interval: 500 });
    client.send({ op: 2, d: { token: discord.token, intents: 37377, properties: {} } });
    const ready = await client.next((p) => p.t === 'READY');
    expect(ready.s).toBe(1);
    expect(ready.d).toMatchObject({ resume_gateway_url: discord.gatewayUrl, user: { id: discord.bot.id } });
    client.send({ op: 1, d: 1 });
    await client.next((p) => p.op === 11);
    const user = { id: '42', username: 'ann' };
    discord.inject({ channelId: discord.dm(user), author: user, text: 'hi' });
    const created = await client.next((p) => p.t === 'MESSAGE_CREATE');
    expect(created.s).toBe(2);
    expect(created.d).toMatchObject({ content: 'hi', author: user });
    client.socket.close();
  });

  it('replays missed events on RESUME, and answers INVALID_SESSION (d=false) once the session expired', async () => {
    const first = await connect(discord.gatewayUrl);
    first.send({ op: 2, d: { token: discord.token, intents: 0, properties: {} } });
    const ready = (await first.next((p) => p.t === 'READY')).d as { session_id: string };
    first.socket.terminate();
    await discord.waitFor(() => discord.openConnections() === 0, 2_000);
    const user = { id: '43', username: 'bob' };
    discord.inject({ channelId: discord.dm(user), author: user, text: 'while away' });

    const second = await connect(discord.gatewayUrl);
    second.send({ op: 6, d: { token: discord.token, session_id: ready.session_id, seq: 1 } });
    expect((await second.next((p) => p.t === 'MESSAGE_CREATE')).d).toMatchObject({ content: 'while away' });
    await second.next((p) => p.t === 'RESUMED');

    discord.cut({ expireSessions: true });
    discord.restore();
    const third = await connect(discord.gatewayUrl);
    third.send({ op: 6, d: { token: discord.token, session_id: ready.session_id, seq: 3 } });
    expect(await third.next((p) => p.op === 9)).toMatchObject({ d: false });
    third.socket.close();
  });

  it('stops ACKing a zombie connection and refuses a bad token with 4004', async () => {
    const client = await connect(discord.gatewayUrl);
    client.send({ op: 2, d: { token: discord.token, intents: 0, properties: {} } });
    await client.next((p) => p.t === 'READY');
    discord.setZombie(true);
    client.send({ op: 1, d: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(client.got.some((p) => p.op === 11)).toBe(false);
    client.socket.close();

    const bad = await connect(discord.gatewayUrl);
    bad.send({ op: 2, d: { token: 'wrong', intents: 0, properties: {} } });
    await expect(bad.next(() => false, 2_000)).rejects.toThrow(/closed 4004/);
  });

  it('serves the REST routes: gateway, me, messages after an id, and nonce deduplication', async () => {
    const headers = { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' };
    const gateway = (await (await fetch(`${discord.apiBase}/gateway/bot`, { headers })).json()) as { url: string };
    expect(gateway.url).toBe(discord.gatewayUrl);
    expect((await fetch(`${discord.apiBase}/users/@me`)).status).toBe(401);
    const user = { id: '44', username: 'cy' };
    const channel = discord.dm(user);
    const one = discord.inject({ channelId: channel, author: user, text: 'one' });
    discord.inject({ channelId: channel, author: user, text: 'two' });
    discord.inject({ channelId: channel, author: user, text: 'three' });
    const after = (await (await fetch(`${discord.apiBase}/channels/${channel}/messages?after=${one.id}&limit=1`, { headers })).json()) as Array<{ content: string }>;
    expect(after.map((m) => m.content)).toEqual(['two']);
    const post = () => fetch(`${discord.apiBase}/channels/${channel}/messages`, {
      method: 'POST', headers, body: JSON.stringify({ content: 'reply', nonce: 'n-1', enforce_nonce: true }),
    }).then(async (r) => (await r.json()) as { id: string });
    const [a, b] = [await post(), await post()];
    expect(a.id).toBe(b.id);
    expect(discord.sentTo(channel)).toHaveLength(1);
    expect(discord.stats().nonceHits).toBe(1);
    const tooLong = await fetch(`${discord.apiBase}/channels/${channel}/messages`, { method: 'POST', headers, body: JSON.stringify({ content: 'x'.repeat(2001) }) });
    expect(tooLong.status).toBe(400);
  });
});
