import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type FakeLlm, type FakeTelegram, type TelegramStack } from '@nanobot/testkit';
import { fakeJpeg, fakePdf, fakePng, fakeVoice, lastUserTurn, requestsWith } from '../support/media-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Files sent to the bot, through the real cluster under pm2: the Telegram worker downloads
 * them (getFile + the file URL of the fake Bot API) into the workspace before it confirms the
 * update, the agent shows images to a vision model as image parts, transcribes voice through
 * the provider's /audio/transcriptions, and names every other file with its path.
 */
describe('photos, voice and files from Telegram reach the model', () => {
  let stack: TelegramStack;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let media: string;

  beforeAll(async () => {
    stack = await startTelegramStack({
      configure: (config) => {
        const agents = config.agents as { defaults: Record<string, unknown> };
        agents.defaults.model = 'test-vision-model';
        const channels = config.channels as { telegram: Record<string, unknown> };
        channels.telegram.maxMediaMb = 1;
        config.transcription = { provider: 'custom', model: 'whisper-test', language: 'en' };
      },
    });
    ({ telegram, llm } = stack);
    media = join(stack.cluster.home, 'workspace', 'media', 'telegram');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('shows a photo with its caption to the model as an image part with the photo\'s bytes', async () => {
    const photo = fakePng();
    const small = telegram.addFile(fakePng(64), { folder: 'photos' });
    const large = telegram.addFile(photo, { folder: 'photos' });
    telegram.injectMessage({
      chatId: 8101,
      text: '',
      media: { caption: 'what is on photo-8101?', photo: [{ ...small, width: 90, height: 90 }, { ...large, width: 1280, height: 960 }] },
    });
    await telegram.waitFor(() => telegram.sentTo(8101).length === 1, 30_000);
    const [request] = requestsWith(llm.requests(), 'photo-8101');
    const turn = lastUserTurn(request!);
    expect(turn.images).toHaveLength(1);
    expect(turn.images[0]!.equals(photo)).toBe(true);
    expect(turn.text).toContain(join(media, '8101'));
    expect(telegram.calls('getFile').filter((c) => c.params.file_id === large.file_id)).toHaveLength(1);
  });

  it('transcribes a voice note through the provider and makes the transcript the turn\'s text', async () => {
    const voice = fakeVoice();
    llm.setTranscriber((request) => ({ text: request.bytes.equals(voice) ? 'remind me about voice-8102' : 'wrong bytes' }));
    const ref = telegram.addFile(voice, { folder: 'voice' });
    telegram.injectMessage({ chatId: 8102, text: '', media: { voice: { ...ref, duration: 2, mime_type: 'audio/ogg' } } });
    await telegram.waitFor(() => telegram.sentTo(8102).length === 1, 30_000);
    const [request] = requestsWith(llm.requests(), 'voice-8102');
    expect(lastUserTurn(request!).text).toMatch(/^\[transcribed voice message\] remind me about voice-8102/);
    const [asked] = llm.transcriptions().filter((t) => t.bytes.equals(voice));
    expect(asked).toMatchObject({ model: 'whisper-test', language: 'en', authorization: 'Bearer test-key' });
  });

  it('says once in the chat when transcription fails, and still answers with the recording named', async () => {
    llm.setTranscriber(() => ({ status: 500, message: 'whisper is down' }));
    const ref = telegram.addFile(fakeVoice(), { folder: 'voice' });
    telegram.injectMessage({ chatId: 8107, text: '', media: { caption: 'failed-8107', voice: { ...ref, duration: 2, mime_type: 'audio/ogg' } } });
    await telegram.waitFor(() => telegram.sentTo(8107).length === 2, 30_000);
    await sleep(1_500);
    const texts = telegram.sentTo(8107).map((m) => m.visibleText);
    expect(texts.filter((t) => t.startsWith('I could not transcribe your voice message'))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith('echo: '))).toHaveLength(1);
    const [request] = requestsWith(llm.requests(), 'failed-8107');
    expect(lastUserTurn(request!).text).toMatch(/\[audio: voice-\S+\.ogg, .* at \S+media\/telegram\/8107\//);
  });

  it('puts a document in the workspace with the same bytes and names its path in the prompt', async () => {
    const pdf = fakePdf();
    const ref = telegram.addFile(pdf, { fileName: 'report.pdf' });
    const sent = telegram.injectMessage({
      chatId: 8103,
      text: '',
      media: { caption: 'summarise doc-8103', document: { ...ref, file_name: 'report.pdf', mime_type: 'application/pdf' } },
    });
    await telegram.waitFor(() => telegram.sentTo(8103).length === 1, 30_000);
    const path = join(media, '8103', `${sent.message!.message_id}-report.pdf`);
    expect(readFileSync(path).equals(pdf)).toBe(true);
    const [request] = requestsWith(llm.requests(), 'doc-8103');
    const text = lastUserTurn(request!).text;
    expect(text).toContain(path);
    expect(text).toContain('PDF');
    // Summarised by path, never inlined.
    expect(text).not.toContain('%PDF');
  });

  it('makes the photos of an album one turn', async () => {
    const photos = [fakeJpeg(), fakeJpeg(), fakeJpeg()];
    const refs = photos.map((p) => telegram.addFile(p, { folder: 'photos' }));
    refs.forEach((ref, i) =>
      telegram.injectMessage({
        chatId: 8104,
        text: '',
        media: { media_group_id: 'album-8104', photo: [{ ...ref, width: 800, height: 600 }], ...(i === 0 ? { caption: 'album-8104 trip' } : {}) },
      }),
    );
    await telegram.waitFor(() => telegram.sentTo(8104).length >= 1, 30_000);
    await sleep(2_000); // a second turn would be answered by now
    expect(telegram.sentTo(8104)).toHaveLength(1);
    const asked = requestsWith(llm.requests(), 'album-8104');
    expect(asked).toHaveLength(1);
    const images = lastUserTurn(asked[0]!).images;
    expect(images).toHaveLength(3);
    photos.forEach((p, i) => expect(images[i]!.equals(p)).toBe(true));
  });

  it('takes every photo of an album in a group when its caption mentions the bot', async () => {
    const photos = [fakeJpeg(), fakeJpeg()];
    const refs = photos.map((p) => telegram.addFile(p, { folder: 'photos' }));
    refs.forEach((ref, i) =>
      telegram.injectMessage({
        chatId: -8108,
        fromId: 8108,
        chatType: 'group',
        text: '',
        media: { media_group_id: 'album-8108', photo: [{ ...ref, width: 800, height: 600 }], ...(i === 0 ? { caption: `@${telegram.username} group-8108` } : {}) },
      }),
    );
    await telegram.waitFor(() => telegram.sentTo(-8108).length >= 1, 30_000);
    const asked = requestsWith(llm.requests(), 'group-8108');
    expect(asked).toHaveLength(1);
    expect(lastUserTurn(asked[0]!).images.map((b) => photos.findIndex((p) => p.equals(b)))).toEqual([0, 1]);
  });

  it('refuses a file over maxMediaMb with a clear line and queues no turn', async () => {
    const ref = telegram.addFile(Buffer.alloc(1_500_000, 7), { fileName: 'huge.bin' });
    telegram.injectMessage({ chatId: 8105, text: '', media: { caption: 'big-8105', document: { ...ref, file_name: 'huge.bin' } } });
    await telegram.waitFor(() => telegram.sentTo(8105).length === 1, 30_000);
    expect(telegram.sentTo(8105)[0]!.visibleText).toMatch(/"huge\.bin" \(1\.4 MB\) is larger than the 1 MB I accept/);
    await sleep(1_500);
    expect(requestsWith(llm.requests(), 'big-8105')).toEqual([]);
    expect(telegram.sentTo(8105)).toHaveLength(1);
    expect(readdirSync(media).includes('8105') ? readdirSync(join(media, '8105')) : []).toEqual([]);
  });

  it('names an image it cannot read instead of failing the turn', async () => {
    const ref = telegram.addFile(Buffer.from('this is no image at all'), { folder: 'photos' });
    telegram.injectMessage({ chatId: 8106, text: '', media: { caption: 'broken-8106', photo: [{ ...ref, width: 10, height: 10 }] } });
    await telegram.waitFor(() => telegram.sentTo(8106).length === 1, 30_000);
    const [request] = requestsWith(llm.requests(), 'broken-8106');
    const turn = lastUserTurn(request!);
    expect(turn.images).toEqual([]);
    expect(turn.text).toMatch(/could not be read: not a PNG, JPEG, GIF or WebP image/);
    expect(telegram.sentTo(8106)[0]!.visibleText).toMatch(/^echo: /);
  });
});
