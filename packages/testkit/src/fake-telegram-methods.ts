import { fail, succeed, toArray, toBoolean, toInteger, type ApiResult, type Params } from './fake-telegram-http.js';
import { editMessageCaption, sendFile, sendMediaGroup, type MediaState } from './fake-telegram-media.js';
import { editMessageText, sendMessage } from './fake-telegram-messages.js';
import type { UpdateQueue } from './fake-telegram-updates.js';

export type TelegramState = MediaState & {
  updates: UpdateQueue;
  webhook: { url: string; allowedUpdates: unknown[] };
  commands: unknown[];
};

/** `undefined` means "answer nothing" (the client went away or the fake is closing). */
type Handler = (params: Params, state: TelegramState, signal: AbortSignal) => ApiResult | undefined | Promise<ApiResult | undefined>;

export const conflictWithPoller = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const conflictWithWebhook = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

async function getUpdates(params: Params, state: TelegramState, signal: AbortSignal): Promise<ApiResult | undefined> {
  if (state.webhook.url !== '') return fail(409, conflictWithWebhook);
  const limit = Math.min(100, Math.max(1, toInteger(params.limit) ?? 100));
  const timeoutSec = Math.max(0, toInteger(params.timeout) ?? 0);
  const offset = toInteger(params.offset);
  const allowed = toArray(params.allowed_updates);
  if (allowed) state.webhook.allowedUpdates = allowed;
  const outcome = await state.updates.poll({ ...(offset !== undefined ? { offset } : {}), limit, timeoutSec, signal });
  switch (outcome.kind) {
    case 'updates':
      return succeed(outcome.updates);
    case 'conflict':
      return fail(409, conflictWithPoller);
    case 'cancelled':
      return undefined;
    default: {
      const unexpected: never = outcome;
      throw new Error(`unexpected poll outcome ${JSON.stringify(unexpected)}`);
    }
  }
}

function setWebhook(params: Params, state: TelegramState): ApiResult {
  const url = typeof params.url === 'string' ? params.url : '';
  if (url !== '' && !/^https?:\/\//.test(url)) return fail(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
  if (toBoolean(params.drop_pending_updates)) state.updates.dropPending();
  state.webhook.url = url;
  return succeed(true);
}

function deleteWebhook(params: Params, state: TelegramState): ApiResult {
  if (toBoolean(params.drop_pending_updates)) state.updates.dropPending();
  state.webhook.url = '';
  return succeed(true);
}

function getWebhookInfo(_params: Params, state: TelegramState): ApiResult {
  return succeed({
    url: state.webhook.url,
    has_custom_certificate: false,
    pending_update_count: state.updates.pending().length,
    ...(state.webhook.allowedUpdates.length > 0 ? { allowed_updates: state.webhook.allowedUpdates } : {}),
  });
}

function setMyCommands(params: Params, state: TelegramState): ApiResult {
  const commands = toArray(params.commands);
  if (!commands) return fail(400, "Bad Request: can't parse commands JSON object");
  state.commands = commands;
  return succeed(true);
}

function needsChat(params: Params): ApiResult | undefined {
  const raw = params.chat_id;
  if (raw === undefined || raw === null || raw === '') return fail(400, 'Bad Request: chat_id is empty');
  return toInteger(raw) === undefined ? fail(400, 'Bad Request: chat not found') : undefined;
}

const acknowledge = (): ApiResult => succeed(true);

/** The implemented Bot API methods, by their canonical (camelCase) names. */
const handlers: Record<string, Handler> = {
  getMe: (_params, state) =>
    succeed({ ...state.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false }),
  getUpdates,
  sendMessage,
  editMessageText,
  getFile: (params, state) => state.files.getFile(params),
  sendPhoto: sendFile('photo', 'sendPhoto'),
  sendDocument: sendFile('document', 'sendDocument'),
  sendVoice: sendFile('voice', 'sendVoice'),
  sendAudio: sendFile('audio', 'sendAudio'),
  sendVideo: sendFile('video', 'sendVideo'),
  sendMediaGroup,
  editMessageCaption,
  sendChatAction: (params) => needsChat(params) ?? succeed(true),
  setMessageReaction: (params) => needsChat(params) ?? succeed(true),
  answerCallbackQuery: acknowledge,
  setMyCommands,
  getMyCommands: (_params, state) => succeed(state.commands),
  deleteMyCommands: (_params, state) => {
    state.commands = [];
    return succeed(true);
  },
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
};

const byLowerCase = new Map(Object.keys(handlers).map((name) => [name.toLowerCase(), name]));

/** Bot API method names are case-insensitive; this returns the canonical name, if implemented. */
export function toMethodName(raw: string): string | undefined {
  return byLowerCase.get(raw.toLowerCase());
}

export function handlerFor(method: string): Handler | undefined {
  return handlers[method];
}
