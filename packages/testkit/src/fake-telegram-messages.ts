import type { ChatStore } from './fake-telegram-chats.js';
import { fail, succeed, toBoolean, toInteger, toObject, type ApiResult, type Params } from './fake-telegram-http.js';
import type { EditedMessage, RejectedMessage, SentMessage, TelegramMessage, TelegramUser } from './fake-telegram-types.js';
import { parseTelegramHtml } from './telegram-html.js';

/** What the message methods read and record. */
export type MessageState = {
  bot: TelegramUser;
  chats: ChatStore;
  sent: SentMessage[];
  edits: EditedMessage[];
  rejected: RejectedMessage[];
};

/** https://core.telegram.org/bots/api#sendmessage: 1-4096 characters after entities parsing. */
const maxTextLength = 4096;

const notModified =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current content and reply markup of the message';

type CheckedText = { ok: true; visibleText: string; parseMode?: string };

/** Validates text and parse mode as Telegram does; `visibleText` is what the user sees. */
function checkText(text: unknown, parseMode: unknown): CheckedText | ApiResult {
  if (typeof text !== 'string' || text === '') return fail(400, 'Bad Request: message text is empty');
  if (parseMode === undefined || parseMode === null || parseMode === '') return { ok: true, visibleText: text };
  if (typeof parseMode !== 'string') return fail(400, 'Bad Request: unsupported parse_mode');
  let visibleText = text;
  const mode = parseMode.toLowerCase();
  if (mode === 'html') {
    const parsed = parseTelegramHtml(text);
    if (!parsed.ok) return fail(400, `Bad Request: can't parse entities: ${parsed.reason}`);
    visibleText = parsed.visibleText;
  } else if (mode !== 'markdown' && mode !== 'markdownv2') {
    return fail(400, 'Bad Request: unsupported parse_mode');
  }
  return { ok: true, visibleText, parseMode };
}

function isChecked(value: CheckedText | ApiResult): value is CheckedText {
  return value.ok && 'visibleText' in value;
}

function finalCheck(checked: CheckedText): ApiResult | undefined {
  if (checked.visibleText.trim() === '') return fail(400, 'Bad Request: message text is empty');
  if (checked.visibleText.length > maxTextLength) return fail(400, 'Bad Request: message is too long');
  return undefined;
}

function chatIdOf(params: Params): number | ApiResult {
  const raw = params.chat_id;
  if (raw === undefined || raw === null || raw === '') return fail(400, 'Bad Request: chat_id is empty');
  return toInteger(raw) ?? fail(400, 'Bad Request: chat not found');
}

/** A replied-to message is embedded without its own reply, as Telegram does. */
function withoutReply(message: TelegramMessage): TelegramMessage {
  const { reply_to_message: _dropped, ...rest } = message;
  return rest;
}

/** The raw source of each bot message, to tell whether an edit changes anything. */
const sources = new WeakMap<TelegramMessage, string>();

function replyTarget(params: Params): { id?: number; optional: boolean } {
  const reply = toObject(params.reply_parameters);
  const id = toInteger(reply?.message_id) ?? toInteger(params.reply_to_message_id);
  const optional = toBoolean(reply?.allow_sending_without_reply) || toBoolean(params.allow_sending_without_reply);
  return id === undefined ? { optional } : { id, optional };
}

function validateSend(params: Params, state: MessageState): { chatId: number; checked: CheckedText } | ApiResult {
  const chatId = chatIdOf(params);
  if (typeof chatId !== 'number') return chatId;
  const checked = checkText(params.text, params.parse_mode);
  if (!isChecked(checked)) return checked;
  const problem = finalCheck(checked);
  if (problem) return problem;
  const reply = replyTarget(params);
  if (reply.id !== undefined && !reply.optional && !state.chats.find(chatId, reply.id)) {
    return fail(400, 'Bad Request: message to be replied not found');
  }
  return { chatId, checked };
}

export function sendMessage(params: Params, state: MessageState): ApiResult {
  const valid = validateSend(params, state);
  if ('ok' in valid) {
    if (!valid.ok) {
      const parseMode = typeof params.parse_mode === 'string' ? { parseMode: params.parse_mode } : {};
      const { error_code: errorCode, description } = valid;
      state.rejected.push({ chatId: String(params.chat_id), text: params.text, ...parseMode, errorCode, description, at: Date.now() });
    }
    return valid;
  }
  const { chatId, checked } = valid;
  const reply = replyTarget(params);
  const replied = reply.id === undefined ? undefined : state.chats.find(chatId, reply.id);
  const threadId = toInteger(params.message_thread_id);
  const message = state.chats.storeFromBot(chatId, {
    text: checked.visibleText,
    ...(threadId !== undefined ? { message_thread_id: threadId, is_topic_message: true } : {}),
    ...(replied ? { reply_to_message: withoutReply(replied) } : {}),
  });
  sources.set(message, `${checked.parseMode ?? ''}\u0000${String(params.text)}`);
  state.sent.push({
    chatId: String(chatId),
    text: String(params.text),
    visibleText: checked.visibleText,
    ...(checked.parseMode !== undefined ? { parseMode: checked.parseMode } : {}),
    messageId: message.message_id,
    ...(replied ? { replyToMessageId: replied.message_id } : {}),
    ...(threadId !== undefined ? { threadId } : {}),
    at: Date.now(),
  });
  return succeed(message);
}

export function editMessageText(params: Params, state: MessageState): ApiResult {
  const chatId = chatIdOf(params);
  if (typeof chatId !== 'number') return chatId;
  const messageId = toInteger(params.message_id);
  if (messageId === undefined) return fail(400, 'Bad Request: message identifier is not specified');
  const message = state.chats.find(chatId, messageId);
  if (!message) return fail(400, 'Bad Request: message to edit not found');
  if (message.from?.id !== state.bot.id) return fail(400, "Bad Request: message can't be edited");
  if (message.text === undefined) return fail(400, 'Bad Request: there is no text in the message to edit');
  const checked = checkText(params.text, params.parse_mode);
  if (!isChecked(checked)) return checked;
  const problem = finalCheck(checked);
  if (problem) return problem;
  const source = `${checked.parseMode ?? ''}\u0000${String(params.text)}`;
  if (sources.get(message) === source) return fail(400, notModified);
  sources.set(message, source);
  message.text = checked.visibleText;
  message.edit_date = Math.floor(Date.now() / 1000);
  state.edits.push({
    chatId: String(chatId),
    messageId,
    text: String(params.text),
    visibleText: checked.visibleText,
    ...(checked.parseMode !== undefined ? { parseMode: checked.parseMode } : {}),
    at: Date.now(),
  });
  return succeed({ ...message });
}
