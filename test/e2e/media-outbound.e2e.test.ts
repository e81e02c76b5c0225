import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type FakeLlm, type FakeTelegram, type TelegramStack } from '@nanobot/testkit';
import { fakePdf, fakePng } from '../support/media-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Files the agent sends: the `message` tool's `media`, through the Telegram worker's uploads. */
describe('files from the agent reach Telegram', () => {
  let stack: TelegramStack;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let files: string;

  beforeAll(async () => {
    stack = await startTelegramStack();
    ({ telegram, llm } = stack);
    files = join(stack.cluster.home, 'workspace', 'out');
    mkdirSync(files, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('sends a PNG with sendPhoto and a PDF with sendDocument, the text as the caption', async () => {
    const png = fakePng();
    const pdf = fakePdf();
    writeFileSync(join(files, 'chart.png'), png);
    writeFileSync(join(files, 'report.pdf'), pdf);
    llm.script(
      { toolCalls: [{ name: 'message', arguments: { content: 'Here is the **chart**', media: [join(files, 'chart.png'), join(files, 'report.pdf')] } }] },
      { content: 'Sent you both.' },
    );
    telegram.injectMessage({ chatId: 8301, text: 'send me the files' });
    await telegram.waitFor(() => telegram.sentMedia().filter((m) => m.chatId === '8301').length === 2, 30_000);
    await sleep(1_500);
    const sent = telegram.sentMedia().filter((m) => m.chatId === '8301');
    expect(sent.map((m) => [m.method, m.fileName])).toEqual([['sendPhoto', 'chart.png'], ['sendDocument', 'report.pdf']]);
    expect(sent[0]!.bytes.equals(png)).toBe(true);
    expect(sent[1]!.bytes.equals(pdf)).toBe(true);
    expect(sent[0]).toMatchObject({ caption: 'Here is the <b>chart</b>', visibleCaption: 'Here is the chart', parseMode: 'HTML' });
    // The message tool wrote to this chat: the turn's own answer is not sent as well.
    expect(telegram.sentTo(8301)).toEqual([]);
  });

  it('sends a voice note, an audio file and a video with the methods of their types', async () => {
    const kinds = [['note.ogg', 'sendVoice'], ['song.mp3', 'sendAudio'], ['clip.mp4', 'sendVideo']] as const;
    const bytes = kinds.map(() => fakePdf());
    kinds.forEach(([name], i) => writeFileSync(join(files, name), bytes[i]!));
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: '', media: kinds.map(([name]) => join(files, name)) } }] }, { content: 'ok' });
    telegram.injectMessage({ chatId: 8305, text: 'send me the recordings' });
    await telegram.waitFor(() => telegram.sentMedia().filter((m) => m.chatId === '8305').length === 3, 30_000);
    const sent = telegram.sentMedia().filter((m) => m.chatId === '8305');
    expect(sent.map((m) => m.method)).toEqual(kinds.map(([, method]) => method));
    sent.forEach((m, i) => expect(m.bytes.equals(bytes[i]!)).toBe(true));
    expect(sent.every((m) => m.caption === undefined)).toBe(true);
  });

  it('sends a .png Telegram cannot make a photo of as a document instead', async () => {
    const bytes = Buffer.from('not an image, whatever the name says');
    writeFileSync(join(files, 'odd.png'), bytes);
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'odd one', media: [join(files, 'odd.png')] } }] }, { content: 'ok' });
    telegram.injectMessage({ chatId: 8306, text: 'the odd file' });
    await telegram.waitFor(() => telegram.sentMedia().some((m) => m.chatId === '8306'), 30_000);
    const sent = telegram.sentMedia().filter((m) => m.chatId === '8306');
    expect(sent.map((m) => [m.method, m.visibleCaption])).toEqual([['sendDocument', 'odd one']]);
    expect(sent[0]!.bytes.equals(bytes)).toBe(true);
  });

  it('keeps a caption within 1024 characters and sends the rest as text', async () => {
    const png = fakePng();
    writeFileSync(join(files, 'long.png'), png);
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: words, media: [join(files, 'long.png')] } }] }, { content: 'ok' });
    telegram.injectMessage({ chatId: 8302, text: 'a long caption please' });
    await telegram.waitFor(() => telegram.sentTo(8302).length >= 1, 30_000);
    const [photo] = telegram.sentMedia().filter((m) => m.chatId === '8302');
    expect(photo!.visibleCaption!.length).toBeLessThanOrEqual(1024);
    const shown = [photo!.visibleCaption!, ...telegram.sentTo(8302).map((m) => m.visibleText)].join(' ');
    expect(shown.split(/\s+/)).toEqual(words.split(' '));
  });

  it('sends photos in a row as one album', async () => {
    const photos = [fakePng(), fakePng(), fakePng()];
    photos.forEach((p, i) => writeFileSync(join(files, `a${i}.png`), p));
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'the album', media: photos.map((_, i) => join(files, `a${i}.png`)) } }] }, { content: 'ok' });
    telegram.injectMessage({ chatId: 8303, text: 'an album please' });
    await telegram.waitFor(() => telegram.sentMedia().filter((m) => m.chatId === '8303').length === 3, 30_000);
    const sent = telegram.sentMedia().filter((m) => m.chatId === '8303');
    expect(new Set(sent.map((m) => m.mediaGroupId)).size).toBe(1);
    expect(sent.every((m) => m.method === 'sendMediaGroup')).toBe(true);
    sent.forEach((m, i) => expect(m.bytes.equals(photos[i]!)).toBe(true));
    expect(sent[0]!.visibleCaption).toBe('the album');
  });

  it('refuses to attach a file outside what the file tools may read', async () => {
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'secrets', media: [join(stack.cluster.home, 'config.json')] } }] }, { content: 'could not' });
    telegram.injectMessage({ chatId: 8304, text: 'send me your config' });
    await telegram.waitFor(() => telegram.sentTo(8304).length === 1, 30_000);
    expect(telegram.sentMedia().filter((m) => m.chatId === '8304')).toEqual([]);
    const results = llm.requests().at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
    expect(JSON.stringify(results.messages.filter((m) => m.role === 'tool'))).toMatch(/Error/);
  });
});
