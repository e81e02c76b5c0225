import { Api, GrammyError, InputFile } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from './fake-telegram.js';

describe('the fake Bot API\'s files', () => {
  let telegram: FakeTelegram;
  let api: Api;
  beforeEach(async () => {
    telegram = await startFakeTelegram();
    api = new Api(telegram.token, { apiRoot: telegram.apiRoot });
  });
  afterEach(async () => telegram.close());

  it('answers getFile with a path whose URL serves the bytes, and refuses unknown ids and other tokens', async () => {
    const bytes = Buffer.from('the bytes of a photo');
    const ref = telegram.addFile(bytes, { folder: 'photos' });
    const file = await api.getFile(ref.file_id);
    expect(file).toMatchObject({ file_id: ref.file_id, file_size: bytes.length });
    const download = await fetch(`${telegram.apiRoot}/file/bot${telegram.token}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(`${telegram.apiRoot}/file/bot1:wrong/${file.file_path}`)).status).toBe(404);
    await expect(api.getFile('nope')).rejects.toThrow(/invalid file_id/);
  });

  it('refuses getFile for files over 20 MB, as the Bot API does', async () => {
    const ref = telegram.addFile(Buffer.alloc(21 * 1024 * 1024));
    await expect(api.getFile(ref.file_id)).rejects.toThrow(/file is too big/);
  });

  it('takes multipart uploads and records the bytes, the caption and the method', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('rest')]);
    const photo = await api.sendPhoto(7, new InputFile(png, 'p.png'), { caption: '<b>hi</b>', parse_mode: 'HTML' });
    const album = await api.sendMediaGroup(7, [
      { type: 'photo', media: new InputFile(png, 'a.png'), caption: 'album' },
      { type: 'photo', media: new InputFile(png, 'b.png') },
    ]);
    expect(album.map((m) => m.message_id)).toEqual([photo.message_id + 1, photo.message_id + 2]);
    expect(telegram.sentMedia().map((m) => [m.method, m.fileName, m.visibleCaption])).toEqual([
      ['sendPhoto', 'p.png', 'hi'],
      ['sendMediaGroup', 'a.png', 'album'],
      ['sendMediaGroup', 'b.png', undefined],
    ]);
    expect(telegram.sentMedia().every((m) => m.bytes.equals(png))).toBe(true);
    await expect(api.sendPhoto(7, new InputFile(Buffer.from('text'), 'x.png'))).rejects.toThrow(/IMAGE_PROCESS_FAILED/);
    await expect(api.sendDocument(7, new InputFile(png, 'd.png'), { caption: 'x'.repeat(1025) })).rejects.toThrow(/caption is too long/);
  });

  it('answers editMessageCaption "not modified" only for the bot\'s file message with exactly that caption', async () => {
    const doc = await api.sendDocument(8, new InputFile(Buffer.from('pdf'), 'r.pdf'), { caption: 'report' });
    const text = await api.sendMessage(8, 'plain text');
    const describe = (p: Promise<unknown>) => p.then(() => 'edited', (err: unknown) => (err instanceof GrammyError ? err.description : String(err)));
    expect(await describe(api.editMessageCaption(8, doc.message_id, { caption: 'report' }))).toMatch(/message is not modified/);
    expect(await describe(api.editMessageCaption(8, text.message_id, { caption: 'report' }))).toMatch(/no caption in the message to edit/);
    expect(await describe(api.editMessageText(8, doc.message_id, 'report'))).toMatch(/no text in the message to edit/);
    expect(await describe(api.editMessageCaption(8, 99, { caption: 'report' }))).toMatch(/message to edit not found/);
  });
});
