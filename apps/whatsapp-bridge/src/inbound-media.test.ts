import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from './bridge-client.test-helper.js';
import { startBridgeFixture, token, type BridgeFixture } from './create-bridge.test-helper.js';
import type { WaMessage } from './wa-socket.js';

const friend = '4911111111@s.whatsapp.net';
const stranger = '4999999999@s.whatsapp.net';
const mb = 1024 * 1024;
const nowS = () => Math.floor(Date.now() / 1000);

const video = (chat: string, id: string, fileLength?: number): WaMessage => ({
  key: { remoteJid: chat, id },
  message: { videoMessage: { caption: 'watch this', mimetype: 'video/mp4', ...(fileLength === undefined ? {} : { fileLength }) } },
  messageTimestamp: nowS(),
});

describe('media the bridge receives', () => {
  let fixture: BridgeFixture | undefined;
  afterEach(async () => fixture?.cleanup());

  async function connected(overrides = {}) {
    fixture = await startBridgeFixture({ allowFrom: ['+49 111 11111'], maxMediaBytes: mb, ...overrides });
    const socket = await fixture.sockets.socket(1);
    socket.open();
    const client = await connectClient(fixture.url, { token, acks: true });
    return { socket, client, mediaDir: join(fixture.dir, 'media', 'whatsapp') };
  }
  const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

  it("never downloads a stranger's video, and still hands the text to the worker", async () => {
    const { socket, client, mediaDir } = await connected();
    socket.upsert([video(stranger, 'V1')], 'notify');
    const frame = await client.next((f) => f.type === 'message');
    expect(frame).toMatchObject({ id: 'V1', sender: stranger, content: 'watch this' });
    expect(frame.media).toBeUndefined();
    expect(socket.downloads).toEqual([]);
    expect(socket.streamedBytes).toBe(0);
    expect(filesIn(mediaDir)).toEqual([]);
    await client.close();
  });

  it("downloads an allowed sender's media to disk (mode 0600)", async () => {
    const { socket, client } = await connected();
    socket.upsert([video(friend, 'V2', 16)], 'notify');
    const frame = await client.next((f) => f.type === 'message');
    const [path] = frame.media as string[];
    expect(path).toMatch(/media\/whatsapp\/4911111111-V2\.mp4$/);
    expect(readFileSync(path!, 'utf8')).toBe('fake-media-bytes');
    expect(statSync(path!).mode & 0o777).toBe(0o600);
    expect(socket.downloads.map((k) => k.id)).toEqual(['V2']);
    await client.close();
  });

  it('does not download media whose declared size is over the cap; the text says so', async () => {
    const { socket, client, mediaDir } = await connected();
    socket.upsert([video(friend, 'V3', 200 * mb)], 'notify');
    const frame = await client.next((f) => f.type === 'message');
    expect(frame.content).toBe('watch this\n[video: too large]');
    expect(frame.media).toBeUndefined();
    expect(socket.downloads).toEqual([]);
    expect(filesIn(mediaDir)).toEqual([]);
    await client.close();
  });

  it('stops a download that outgrows the cap, keeping neither the bytes in memory nor a partial file', async () => {
    const { socket, client, mediaDir } = await connected();
    socket.media = 50 * mb; // nothing declared: only the stream tells
    socket.upsert([video(friend, 'V4')], 'notify');
    const frame = await client.next((f) => f.type === 'message', 10_000);
    expect(frame.content).toBe('watch this\n[video: too large]');
    expect(frame.media).toBeUndefined();
    expect(socket.downloads.map((k) => k.id)).toEqual(['V4']);
    // Read up to the cap plus what the stream had buffered ahead, never the whole 50 MB.
    expect(socket.streamedBytes).toBeGreaterThan(mb);
    expect(socket.streamedBytes).toBeLessThan(mb + 512 * 1024);
    expect(filesIn(mediaDir)).toEqual([]);
    await client.close();
  });
});
