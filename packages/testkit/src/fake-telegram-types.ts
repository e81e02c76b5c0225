/** Public types of the fake Telegram Bot API (re-exported by `fake-telegram.ts`). */

export type FakeTelegramOptions = {
  /** Bot token; the bot's user id is the number before `:`. Default `123456789:TEST-fake-token`. */
  token?: string;
  /** Default `nanobot_test_bot`. */
  username?: string;
  /** `update_id` of the first injected update. Default 500000. */
  firstUpdateId?: number;
  /** Default 0 (a free port). */
  port?: number;
  /**
   * Record which local process made each call (`RecordedCall.pid`, looked up in Linux's /proc
   * when a connection is accepted). Default false.
   */
  identifyClients?: boolean;
};

export type TelegramUser = {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  can_join_groups?: boolean;
  can_read_all_group_messages?: boolean;
  supports_inline_queries?: boolean;
};

export type TelegramChat = {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  username?: string;
  is_forum?: boolean;
};

export type MessageEntity = {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
};

export type TelegramMessage = {
  message_id: number;
  date: number;
  chat: TelegramChat;
  from?: TelegramUser;
  text?: string;
  entities?: MessageEntity[];
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: TelegramMessage;
  edit_date?: number;
  caption?: string;
  media_group_id?: string;
  photo?: Array<Record<string, unknown>>;
  document?: Record<string, unknown>;
  voice?: Record<string, unknown>;
  audio?: Record<string, unknown>;
  video?: Record<string, unknown>;
  video_note?: Record<string, unknown>;
  sticker?: Record<string, unknown>;
};

/** An update as `getUpdates` returns it; `injectUpdate` may put anything next to `update_id`. */
export type Update = { update_id: number; message?: TelegramMessage; [key: string]: unknown };

export type InjectMessageOptions = {
  chatId: number;
  text: string;
  /** Default: `chatId`. */
  fromId?: number;
  username?: string;
  firstName?: string;
  /** Default `private`. */
  chatType?: 'private' | 'group' | 'supergroup';
  /** Forum topic id; makes the chat a forum supergroup message. */
  threadId?: number;
  replyTo?: { messageId: number; text?: string; fromId?: number };
  /** Default: `bot_command` entities computed for `/commands` in the text. */
  entities?: MessageEntity[];
  /**
   * Media fields of the message (`photo`, `document`, `voice`, `caption`, `media_group_id`, ...),
   * with file objects from `addFile`; with them an empty `text` is left out, as on a photo.
   */
  media?: Partial<Pick<TelegramMessage, 'caption' | 'media_group_id' | 'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'sticker'>>;
};

/** A file the bot uploaded with sendPhoto, sendDocument, sendVoice, sendAudio, sendVideo or sendMediaGroup. */
export type SentMedia = {
  chatId: string;
  method: string;
  /** photo, document, voice, audio or video. */
  kind: string;
  bytes: Buffer;
  fileName: string;
  caption?: string;
  visibleCaption?: string;
  parseMode?: string;
  messageId: number;
  mediaGroupId?: string;
  at: number;
};

/** Options of `addFile`: what a test puts in Telegram's storage for the bot to download. */
export type AddFileOptions = { fileName?: string; mimeType?: string; folder?: string };

export type SentMessage = {
  chatId: string;
  /** The text as the client sent it (with markup). */
  text: string;
  /** What the recipient sees: tags removed, entities decoded. */
  visibleText: string;
  parseMode?: string;
  messageId: number;
  replyToMessageId?: number;
  threadId?: number;
  at: number;
};

export type EditedMessage = {
  chatId: string;
  messageId: number;
  text: string;
  visibleText: string;
  parseMode?: string;
  at: number;
};

export type RejectedMessage = {
  chatId: string;
  text: unknown;
  parseMode?: string;
  errorCode: number;
  description: string;
  at: number;
};

export type RecordedCall = {
  method: string;
  params: Record<string, unknown>;
  at: number;
  /** HTTP status answered; 0 while unanswered or when no response was sent (hang, reset, lostResponse). */
  status: number;
  /** The error description when the call failed. */
  description?: string;
  /** The fault kind applied to this call, if any. */
  fault?: TelegramFault['kind'];
  /** The local process that made the call (with `identifyClients`, where /proc tells). */
  pid?: number;
};

/** What the fake is about to answer a call: the Bot API envelope. */
export type BotAnswer = { ok: true; result: unknown } | { ok: false; error_code: number; description: string };

/**
 * Runs synchronously right before the fake writes its answer to a call, e.g. to freeze the
 * client (SIGSTOP) so that the answer waits, unread, in its socket.
 */
export type AnswerHook = (call: RecordedCall, answer: BotAnswer) => void;

type Times = {
  /** Apply this many times, then clear automatically. Default: until `clearFaults()`. */
  times?: number;
};

export type TelegramFault = Times &
  (
    | { kind: 'status'; status: number; description?: string }
    | { kind: 'retryAfter'; seconds: number }
    | { kind: 'conflict' }
    | { kind: 'hang' }
    | { kind: 'reset' }
    /** The call takes effect (a message is delivered), then the connection is reset. */
    | { kind: 'lostResponse' }
    /** The call takes effect, then Telegram answers with an error status anyway (e.g. a 502 from its front end). */
    | { kind: 'statusAfterEffect'; status: number; description?: string }
    /** The call takes effect, then no answer is ever written (the test kills the client meanwhile). */
    | { kind: 'hangAfterEffect' }
    | { kind: 'delay'; ms: number }
  );

export type FakeTelegram = {
  /** `http://127.0.0.1:<port>`, for grammY's `apiRoot` option. */
  apiRoot: string;
  token: string;
  botId: number;
  username: string;
  injectMessage(options: InjectMessageOptions): Update;
  injectUpdate(partial: Record<string, unknown>): Update;
  sent(): SentMessage[];
  /** Puts a file in the fake's storage; its `file_id` goes into an injected message's media fields. */
  addFile(bytes: Buffer, options?: AddFileOptions): { file_id: string; file_unique_id: string; file_size: number };
  /** Files the bot uploaded, in order. */
  sentMedia(): SentMedia[];
  sentTo(chatId: number | string): SentMessage[];
  edits(): EditedMessage[];
  rejected(): RejectedMessage[];
  calls(method?: string): RecordedCall[];
  confirmedOffset(): number;
  pendingUpdates(): Update[];
  /** The commands last set with `setMyCommands` (empty after `deleteMyCommands`). */
  commands(): unknown[];
  webhookUrl(): string;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  setFault(method: string, fault: TelegramFault): void;
  clearFaults(): void;
  /** Sets (or with `undefined` removes) the hook run before each answer to `method`. */
  beforeAnswer(method: string, hook: AnswerHook | undefined): void;
  close(): Promise<void>;
};
