import { access, constants, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { GrammyError, InputFile, type Api } from 'grammy';
import { fileKindOf, type FileGroup } from './media-chunks.js';

export type Caption = { text: string; parseMode?: string };
/** What every send of a chunk carries: the topic and the quoted message. */
export type SendExtra = { message_thread_id?: number; reply_parameters?: { message_id: number; allow_sending_without_reply: boolean } };

/** The files of a group that cannot be read here (gone, or not ours to read); checked before anything is marked. */
export async function unreadableFiles(group: FileGroup): Promise<string[]> {
  const missing: string[] = [];
  for (const path of group.paths) {
    await access(path, constants.R_OK).catch(() => missing.push(basename(path)));
  }
  return missing;
}

/**
 * Uploads one chunk's files with the method their type needs (sendPhoto, sendVideo, sendVoice,
 * sendAudio, sendDocument; photos and videos together with sendMediaGroup, the caption on the
 * first) and returns the ids of the messages Telegram made, first the one that holds the caption.
 * A photo Telegram cannot take as one (over 10 MB, odd dimensions) goes as a document: its 400
 * proves nothing was delivered, and the caption probe finds either kind of message.
 */
/** Telegram takes photos up to 10 MB (https://core.telegram.org/bots/api#sendphoto); larger ones go as documents. */
const maxPhotoBytes = 10 * 1024 * 1024;

/** A photo Telegram will not take as a photo (size, dimensions, format): a 400, so nothing was delivered. */
const isPhotoRefusal = (err: unknown) =>
  err instanceof GrammyError && err.error_code === 400 && /PHOTO|IMAGE_PROCESS_FAILED|dimension/i.test(err.description);

async function sendPhotoOrDocument(api: Api, chatId: string, path: string, other: Record<string, unknown>): Promise<number> {
  const size = (await stat(path)).size;
  const file = () => new InputFile(path, basename(path));
  if (size <= maxPhotoBytes) {
    try {
      return (await api.sendPhoto(chatId, file(), other)).message_id;
    } catch (err) {
      if (!isPhotoRefusal(err)) throw err;
    }
  }
  return (await api.sendDocument(chatId, file(), other)).message_id;
}

export async function sendFiles(api: Api, chatId: string, group: FileGroup, caption: Caption, extra: SendExtra): Promise<number[]> {
  const cap = caption.text === '' ? {} : { caption: caption.text, ...(caption.parseMode === undefined ? {} : { parse_mode: caption.parseMode as 'HTML' }) };
  const file = (path: string) => new InputFile(path, basename(path));
  const [first = ''] = group.paths;
  const other = { ...extra, ...cap };
  switch (group.kind) {
    case 'photo':
      return [await sendPhotoOrDocument(api, chatId, first, other)];
    case 'video':
      return [(await api.sendVideo(chatId, file(first), other)).message_id];
    case 'voice':
      return [(await api.sendVoice(chatId, file(first), other)).message_id];
    case 'audio':
      return [(await api.sendAudio(chatId, file(first), other)).message_id];
    case 'document':
      return [(await api.sendDocument(chatId, file(first), other)).message_id];
    case 'album': {
      const items = group.paths.map((path, i) => ({
        type: fileKindOf(path) === 'video' ? ('video' as const) : ('photo' as const),
        media: file(path),
        ...(i === 0 ? cap : {}),
      }));
      return (await api.sendMediaGroup(chatId, items, extra)).map((message) => message.message_id);
    }
    default: {
      const unexpected: never = group.kind;
      throw new Error(`unexpected file kind ${String(unexpected)}`);
    }
  }
}
