import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from './bridge-client.test-helper.js';
import { startBridgeFixture, token, type BridgeFixture } from './create-bridge.test-helper.js';
import { textMessage } from './fake-wa-socket.test-helper.js';

const alice = '4911111111@s.whatsapp.net';
const bob = '4922222222@s.whatsapp.net';
const nowS = () => Math.floor(Date.now() / 1000);
const messages = (frames: Array<Record<string, unknown>>) => frames.filter((f) => f.type === 'message');

describe('inbound delivery of the bridge', () => {
  let fixture: BridgeFixture | undefined;
  afterEach(async () => fixture?.cleanup());

  async function connected(overrides = {}) {
    fixture = await startBridgeFixture(overrides);
    const socket = await fixture.sockets.socket(1);
    socket.open();
    return socket;
  }

  it('delivers recent catch-up messages, drops old ones, and delivers each chat+message id once', async () => {
    const socket = await connected({ catchUpMaxAgeMs: 3_600_000 });
    const client = await connectClient(fixture!.url, { token, acks: true });
    socket.upsert([
      textMessage({ chat: alice, id: 'A1', text: 'while you were away', ts: nowS() - 600 }),
      textMessage({ chat: alice, id: 'A0', text: 'last week', ts: nowS() - 7 * 86_400 }),
    ], 'append');
    // WhatsApp may announce the same message again, as catch-up and live.
    socket.upsert([textMessage({ chat: alice, id: 'A1', text: 'while you were away' })], 'notify');
    socket.upsert([textMessage({ chat: bob, id: 'A1', text: 'same id, other chat' })], 'notify');
    await client.next((f) => f.type === 'message' && f.sender === bob);
    await new Promise((r) => setTimeout(r, 100));
    const got = messages(client.frames);
    expect(got.map((f) => [f.sender, f.id, f.content, f.catchUp ?? false])).toEqual([
      [alice, 'A1', 'while you were away', true],
      [bob, 'A1', 'same id, other chat', false],
    ]);
    expect(got.map((f) => f.seq)).toEqual([1, 2]);
    await client.close();
  });

  it('skips own messages, status broadcasts and content-less upserts', async () => {
    const socket = await connected();
    const client = await connectClient(fixture!.url, { token, acks: true });
    socket.upsert([
      textMessage({ chat: alice, id: 'M1', text: 'mine', fromMe: true }),
      textMessage({ chat: 'status@broadcast', id: 'S1', text: 'story' }),
      { key: { remoteJid: alice, id: 'P1' }, message: { protocolMessage: {} } },
      textMessage({ chat: alice, id: 'OK', text: 'real' }),
    ], 'notify');
    await client.next((f) => f.type === 'message');
    await new Promise((r) => setTimeout(r, 50));
    expect(messages(client.frames).map((f) => f.id)).toEqual(['OK']);
    await client.close();
  });

  it('keeps an unacknowledged frame across a bridge restart and drops it once acknowledged', async () => {
    const socket = await connected();
    const first = await connectClient(fixture!.url, { token, acks: true });
    socket.upsert([textMessage({ chat: alice, id: 'K1', text: 'keep me' })], 'notify');
    await first.next((f) => f.type === 'message');
    await first.close(); // never acknowledged
    expect(socket.read).toEqual([]);

    await fixture!.restart();
    (await fixture!.sockets.socket(2)).open();
    const second = await connectClient(fixture!.url, { token, acks: true });
    const again = await second.next((f) => f.type === 'message');
    expect(again).toMatchObject({ id: 'K1', content: 'keep me', deliveryId: `${alice}/K1` });
    second.send({ type: 'ack', id: again.deliveryId });
    await new Promise((r) => setTimeout(r, 100));
    expect(fixture!.sockets.sockets[1]!.read.map((k) => k.id)).toEqual(['K1']);
    await second.close();

    await fixture!.restart();
    const third = await connectClient(fixture!.url, { token, acks: true });
    await third.next((f) => f.type === 'status');
    await new Promise((r) => setTimeout(r, 100));
    expect(messages(third.frames)).toEqual([]);
    await third.close();
  });

  it('counts a frame as delivered once written to a client without acks (nanobot compatibility)', async () => {
    const socket = await connected();
    const python = await connectClient(fixture!.url, { token });
    socket.upsert([textMessage({ chat: alice, id: 'N1', text: 'hello nanobot' })], 'notify');
    const frame = await python.next((f) => f.type === 'message');
    expect(Object.keys(frame)).toEqual(expect.arrayContaining(['id', 'sender', 'pn', 'content', 'timestamp', 'isGroup']));
    await new Promise((r) => setTimeout(r, 100));
    expect(socket.read.map((k) => k.id)).toEqual(['N1']);
    const later = await connectClient(fixture!.url, { token, acks: true });
    await later.next((f) => f.type === 'status');
    await new Promise((r) => setTimeout(r, 50));
    expect(messages(later.frames)).toEqual([]);
    await Promise.all([python.close(), later.close()]);
  });

  it('sends messages to observers never', async () => {
    const socket = await connected();
    const observer = await connectClient(fixture!.url, { token, role: 'observer' });
    socket.upsert([textMessage({ chat: alice, id: 'O1', text: 'not for the login screen' })], 'notify');
    await new Promise((r) => setTimeout(r, 100));
    expect(messages(observer.frames)).toEqual([]);
    const outbox = JSON.parse(readFileSync(`${fixture!.dir}/whatsapp-bridge/outbox.json`, 'utf8')) as { pending: unknown[] };
    expect(outbox.pending).toHaveLength(1);
    await observer.close();
  });

  it('downloads media to the media dir and lists its path', async () => {
    const socket = await connected();
    const client = await connectClient(fixture!.url, { token, acks: true });
    socket.upsert([{
      key: { remoteJid: alice, id: 'IMG1' },
      message: { imageMessage: { caption: 'look', mimetype: 'image/jpeg' } },
      messageTimestamp: nowS(),
    }], 'notify');
    const frame = await client.next((f) => f.type === 'message');
    const media = frame.media as string[];
    expect(frame.content).toBe('look');
    expect(media[0]).toMatch(/media\/whatsapp\/4911111111-IMG1\.jpg$/);
    expect(readFileSync(media[0]!, 'utf8')).toBe('fake-media-bytes');
    await client.close();
  });

  it('marks group messages that mention the linked account', async () => {
    const socket = await connected();
    const client = await connectClient(fixture!.url, { token, acks: true });
    const group = '1203630@g.us';
    socket.upsert([
      { key: { remoteJid: group, id: 'G1', participant: alice }, message: { conversation: 'chatter' }, messageTimestamp: nowS() },
      {
        key: { remoteJid: group, id: 'G2', participant: alice },
        message: { extendedTextMessage: { text: '@bot hi', contextInfo: { mentionedJid: ['4900000000@s.whatsapp.net'] } } },
        messageTimestamp: nowS(),
      },
    ], 'notify');
    await client.next((f) => f.id === 'G2');
    expect(messages(client.frames).map((f) => [f.id, f.isGroup, f.wasMentioned, f.pn, f.participant])).toEqual([
      ['G1', true, false, alice, alice],
      ['G2', true, true, alice, alice],
    ]);
    await client.close();
  });
});
