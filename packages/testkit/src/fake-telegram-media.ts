import type { FileStore } from './fake-telegram-files.js';
import { fail, succeed, toInteger, type ApiResult, type Params } from './fake-telegram-http.js';
import type { MessageState } from './fake-telegram-messages.js';
import { isUpload } from './fake-telegram-multipart.js';
import type { SentMedia, TelegramMessage } from './fake-telegram-types.js';
import { parseTelegramHtml } from './telegram-html.js';

export type MediaState = MessageState & { files: FileStore; media: SentMedia[] };

/** https://core.telegram.org/bots/api#sendphoto: captions are 0-1024 characters after entities parsing. */
const maxCaptionLength = 1024;
const notModified =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current content and reply markup of the message';

/** The raw caption source of each media message of the bot, to tell whether an edit changes anything. */
const captionSources = new WeakMap<TelegramMessage, string>();

type Caption = { ok: true; caption?: string; visible?: string; parseMode?: string };

function checkCaption(params: Params): Caption | ApiResult {
  const raw = params.caption;
  if (raw === undefined || raw === null || raw === '') return { ok: true };
  if (typeof raw !== 'string') return fail(400, 'Bad Request: caption is not a string');
  const parseMode = typeof params.parse_mode === 'string' && params.parse_mode !== '' ? params.parse_mode : undefined;
  let visible = raw;
  if (parseMode?.toLowerCase() === 'html') {
    const parsed = parseTelegramHtml(raw);
    if (!parsed.ok) return fail(400, `Bad Request: can't parse entities: ${parsed.reason}`);
    visible = parsed.visibleText;
  }
  if (visible.length > maxCaptionLength) return fail(400, 'Bad Request: message caption is too long');
  return { ok: true, caption: raw, visible, ...(parseMode === undefined ? {} : { parseMode }) };
}

type Input = { bytes: Buffer; fileName: string } | ApiResult;

/** An uploaded file, or the file_id of one Telegram holds. */
function inputOf(value: unknown, state: MediaState, kind: string): Input {
  if (isUpload(value)) return { bytes: value.bytes, fileName: value.filename };
  if (typeof value === 'string' && value !== '') {
    const known = state.files.byId(value);
    if (known !== undefined) return { bytes: known.bytes, fileName: known.fileName ?? kind };
    return fail(400, 'Bad Request: wrong file identifier/HTTP URL specified');
  }
  return fail(400, `Bad Request: there is no ${kind} in the request`);
}

const isResult = (value: Input | Caption): value is ApiResult => 'ok' in value && (value.ok === false || 'result' in value);

function mediaField(kind: string, ref: Record<string, unknown>, fileName: string): Partial<TelegramMessage> {
  switch (kind) {
    case 'photo':
      return { photo: [{ ...ref, width: 90, height: 90 }] };
    case 'document':
      return { document: { ...ref, file_name: fileName } };
    case 'voice':
      return { voice: { ...ref, duration: 1 } };
    case 'audio':
      return { audio: { ...ref, duration: 1, file_name: fileName } };
    default:
      return { video: { ...ref, duration: 1, width: 90, height: 90 } };
  }
}

function store(state: MediaState, at: { chatId: number; method: string; kind: string; input: { bytes: Buffer; fileName: string }; caption: Caption; params: Params; group?: string }): TelegramMessage {
  const file = state.files.add(at.input.bytes, { fileName: at.input.fileName, folder: `${at.kind}s` });
  const threadId = toInteger(at.params.message_thread_id);
  const message = state.chats.storeFromBot(at.chatId, {
    ...mediaField(at.kind, state.files.ref(file), at.input.fileName),
    ...(at.caption.visible === undefined ? {} : { caption: at.caption.visible }),
    ...(at.group === undefined ? {} : { media_group_id: at.group }),
    ...(threadId !== undefined ? { message_thread_id: threadId, is_topic_message: true } : {}),
  });
  captionSources.set(message, `${at.caption.parseMode ?? ''}\u0000${at.caption.caption ?? ''}`);
  state.media.push({
    chatId: String(at.chatId),
    method: at.method,
    kind: at.kind,
    bytes: at.input.bytes,
    fileName: at.input.fileName,
    ...(at.caption.caption === undefined ? {} : { caption: at.caption.caption, visibleCaption: at.caption.visible ?? '' }),
    ...(at.caption.parseMode === undefined ? {} : { parseMode: at.caption.parseMode }),
    messageId: message.message_id,
    ...(at.group === undefined ? {} : { mediaGroupId: at.group }),
    at: Date.now(),
  });
  return message;
}

const chatOf = (params: Params): number | ApiResult => {
  if (params.chat_id === undefined || params.chat_id === '') return fail(400, 'Bad Request: chat_id is empty');
  return toInteger(params.chat_id) ?? fail(400, 'Bad Request: chat not found');
};

/** What Telegram can make a photo of: JPEG, PNG, WebP or GIF bytes. */
const looksLikeImage = (bytes: Buffer) =>
  (bytes[0] === 0xff && bytes[1] === 0xd8) || bytes.subarray(0, 4).toString('latin1') === '\x89PNG' || ['RIFF', 'GIF8'].includes(bytes.subarray(0, 4).toString('latin1'));

/** sendPhoto, sendDocument, sendVoice, sendAudio, sendVideo: one file with an optional caption. */
export function sendFile(kind: 'photo' | 'document' | 'voice' | 'audio' | 'video', method: string) {
  return (params: Params, state: MediaState): ApiResult => {
    const chatId = chatOf(params);
    if (typeof chatId !== 'number') return chatId;
    const input = inputOf(params[kind], state, kind);
    if (isResult(input)) return input;
    if (kind === 'photo' && !looksLikeImage(input.bytes)) return fail(400, 'Bad Request: IMAGE_PROCESS_FAILED');
    const caption = checkCaption(params);
    if (isResult(caption)) return caption;
    return succeed(store(state, { chatId, method, kind, input, caption, params }));
  };
}

let groups = 0;

/** sendMediaGroup: 2-10 photos/videos, documents or audios; the answer lists every message. */
export function sendMediaGroup(params: Params, state: MediaState): ApiResult {
  const chatId = chatOf(params);
  if (typeof chatId !== 'number') return chatId;
  const items = Array.isArray(params.media) ? (params.media as Array<Record<string, unknown>>) : undefined;
  if (items === undefined || items.length < 2 || items.length > 10) return fail(400, 'Bad Request: wrong number of media in the album');
  const checked = [];
  for (const item of items) {
    const kind = typeof item.type === 'string' ? item.type : '';
    if (!['photo', 'video', 'document', 'audio'].includes(kind)) return fail(400, 'Bad Request: unsupported media type in the album');
    const input = inputOf(item.media, state, kind);
    if (isResult(input)) return input;
    const caption = checkCaption(item);
    if (isResult(caption)) return caption;
    checked.push({ kind, input, caption });
  }
  groups += 1;
  const group = `G${groups}${Date.now()}`;
  return succeed(checked.map((at) => store(state, { chatId, method: 'sendMediaGroup', ...at, params, group })));
}

/** editMessageCaption with Telegram's answers: "not modified" only for the bot's media message with exactly this caption. */
export function editMessageCaption(params: Params, state: MediaState): ApiResult {
  const chatId = chatOf(params);
  if (typeof chatId !== 'number') return chatId;
  const messageId = toInteger(params.message_id);
  if (messageId === undefined) return fail(400, 'Bad Request: message identifier is not specified');
  const message = state.chats.find(chatId, messageId);
  if (!message) return fail(400, 'Bad Request: message to edit not found');
  if (message.from?.id !== state.bot.id) return fail(400, "Bad Request: message can't be edited");
  if (!captionSources.has(message)) return fail(400, 'Bad Request: there is no caption in the message to edit');
  const caption = checkCaption(params);
  if (isResult(caption)) return caption;
  const source = `${caption.parseMode ?? ''}\u0000${caption.caption ?? ''}`;
  if (captionSources.get(message) === source) return fail(400, notModified);
  captionSources.set(message, source);
  if (caption.visible === undefined) delete message.caption;
  else message.caption = caption.visible;
  message.edit_date = Math.floor(Date.now() / 1000);
  return succeed({ ...message });
}
