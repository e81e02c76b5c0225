import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster, fakeConfig, startFakeLlm, startFakeTelegram, startFakeWhatsappBridge, startRedis, withFakeWhatsapp,
  type Cluster, type FakeLlm, type FakeTelegram, type FakeWhatsappBridge, type RedisServer,
} from '@nanobot/testkit';
import { fakeJpeg, fakePng, fakeVoice, lastUserTurn, requestsWith } from '../support/media-fixtures.js';

const chat = '4915100000071@s.whatsapp.net';

/**
 * WhatsApp files through the real cluster: the (fake) bridge delivers a message frame with the
 * path of the file it saved, the worker copies it into the workspace before it acks, the agent
 * shows an image to a vision model and transcribes a voice note; a file the agent sends goes
 * to the bridge as `send_media`.
 */
describe('photos and voice notes through the WhatsApp bridge', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let bridge: FakeWhatsappBridge;
  let cluster: Cluster;
  let bridgeMedia: string;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    bridge = await startFakeWhatsappBridge();
    const config = withFakeWhatsapp(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), bridge, ['4915100000071']);
    (config.agents as { defaults: Record<string, unknown> }).defaults.model = 'test-vision-model';
    config.transcription = { provider: 'custom' };
    cluster = await createCluster({ redisUrl: redis.url, config });
    bridgeMedia = join(cluster.home, 'media', 'whatsapp');
    mkdirSync(bridgeMedia, { recursive: true });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-whatsapp', 'nanobot-agent']);
    await bridge.waitFor(() => bridge.openConnections() === 1, 20_000);
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
    await bridge?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('shows an image from the bridge to the model as an image part with its bytes', async () => {
    const photo = fakeJpeg();
    const saved = join(bridgeMedia, 'chat-3EB0AAA1.jpg');
    writeFileSync(saved, photo);
    bridge.injectMessage({ chat, id: '3EB0AAA1', text: 'what is wa-photo-1?', media: [saved] });
    await bridge.waitFor(() => bridge.sentTo(chat).length === 1, 30_000);
    const [request] = requestsWith(llm.requests(), 'wa-photo-1');
    const turn = lastUserTurn(request!);
    expect(turn.images).toHaveLength(1);
    expect(turn.images[0]!.equals(photo)).toBe(true);
    // The copy in the workspace is what the model is pointed at.
    expect(turn.text).toContain(join(cluster.home, 'workspace', 'media', 'whatsapp'));
  });

  it('transcribes a voice note from the bridge into the turn\'s text', async () => {
    const voice = fakeVoice();
    llm.setTranscriber((request) => ({ text: request.bytes.equals(voice) ? 'wa-voice-2 buy bread' : 'wrong bytes' }));
    const saved = join(bridgeMedia, 'chat-3EB0AAA2.ogg');
    writeFileSync(saved, voice);
    bridge.injectMessage({ chat, id: '3EB0AAA2', text: '', media: [saved] });
    await bridge.waitFor(() => bridge.sentTo(chat).length === 2, 30_000);
    const [request] = requestsWith(llm.requests(), 'wa-voice-2');
    expect(lastUserTurn(request!).text).toMatch(/^\[transcribed voice message\] wa-voice-2 buy bread/);
  });

  it('sends the agent\'s image reply through the bridge as send_media', async () => {
    const png = fakePng();
    const dir = join(cluster.home, 'workspace', 'out');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'drawing.png'), png);
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'your drawing', media: [join(dir, 'drawing.png')] } }] }, { content: 'sent' });
    bridge.injectMessage({ chat, id: '3EB0AAA3', text: 'draw me something' });
    await bridge.waitFor(() => bridge.sentTo(chat).some((s) => s.media !== undefined), 30_000);
    const media = bridge.sentTo(chat).filter((s) => s.media !== undefined);
    expect(media).toHaveLength(1);
    expect(media[0]!.media).toMatchObject({ mimetype: 'image/png', caption: 'your drawing', fileName: 'drawing.png' });
    expect(media[0]!.media!.bytes!.equals(png)).toBe(true);
  });

  it('refuses a file the bridge found too large with a clear line', async () => {
    bridge.injectMessage({ chat, id: '3EB0AAA4', text: 'wa-big-4\n[video: too large]' });
    await bridge.waitFor(() => bridge.sentTo(chat).some((s) => s.text.includes('larger than')), 30_000);
    expect(bridge.sentTo(chat).filter((s) => s.text.includes('larger than'))[0]!.text).toMatch(/That video is larger than the 20 MB I accept/);
    expect(requestsWith(llm.requests(), 'wa-big-4')).toEqual([]);
  });
});
