import type { Message } from 'grammy/types';

/** What a received message's file is, for the name it is saved under and how the agent shows it. */
export type MediaKind = 'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'sticker' | 'animation';

/** One file of a received message, as Telegram describes it before it is downloaded. */
export type MediaRef = {
  kind: MediaKind;
  fileId: string;
  fileUniqueId: string;
  /** Telegram's size, when it tells; the download is capped either way. */
  fileSize?: number;
  /** The sender's file name (documents, audio). */
  fileName?: string;
  mimeType?: string;
};

type FileFields = { file_id?: unknown; file_unique_id?: unknown; file_size?: unknown; file_name?: unknown; mime_type?: unknown };

function toRef(kind: MediaKind, file: FileFields | undefined, fallbackMime?: string): MediaRef[] {
  if (file === undefined || typeof file.file_id !== 'string' || typeof file.file_unique_id !== 'string') return [];
  const mime = typeof file.mime_type === 'string' ? file.mime_type : fallbackMime;
  return [
    {
      kind,
      fileId: file.file_id,
      fileUniqueId: file.file_unique_id,
      ...(typeof file.file_size === 'number' ? { fileSize: file.file_size } : {}),
      ...(typeof file.file_name === 'string' && file.file_name !== '' ? { fileName: file.file_name } : {}),
      ...(mime === undefined ? {} : { mimeType: mime }),
    },
  ];
}

/** The largest of a photo's sizes (Telegram lists them smallest first, but says so nowhere). */
function largest(photo: Message['photo']): FileFields | undefined {
  if (!Array.isArray(photo) || photo.length === 0) return undefined;
  const area = (size: { width?: number; height?: number; file_size?: number }) => (size.width ?? 0) * (size.height ?? 0) || (size.file_size ?? 0);
  return [...photo].sort((a, b) => area(b) - area(a))[0];
}

/**
 * The files of a message worth giving the model: the largest photo size, a document, a voice
 * note, audio, video, a video note, and a sticker (a static one is a WebP image; animated and
 * video stickers are files). An animation (GIF) also arrives as `document`; it is taken once.
 */
export function mediaRefsOf(message: Message): MediaRef[] {
  const sticker = message.sticker;
  const stickerKind = sticker !== undefined && (sticker.is_animated || sticker.is_video) ? 'document' : 'image/webp';
  return [
    ...toRef('photo', largest(message.photo), 'image/jpeg'),
    ...(message.animation !== undefined ? toRef('animation', message.animation, 'video/mp4') : toRef('document', message.document)),
    ...toRef('voice', message.voice, 'audio/ogg'),
    ...toRef('audio', message.audio, 'audio/mpeg'),
    ...toRef('video', message.video, 'video/mp4'),
    ...toRef('video_note', message.video_note, 'video/mp4'),
    ...toRef('sticker', sticker, stickerKind === 'image/webp' ? 'image/webp' : sticker?.is_video === true ? 'video/webm' : 'application/x-tgsticker'),
  ];
}
