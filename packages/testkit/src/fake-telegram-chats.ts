import type {
  InjectMessageOptions,
  MessageEntity,
  TelegramChat,
  TelegramMessage,
  TelegramUser,
} from './fake-telegram-types.js';

type ChatState = { chat: TelegramChat; nextMessageId: number; messages: Map<number, TelegramMessage> };

const commandPattern = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)/g;

/** `bot_command` entities for every `/command` that starts the text or follows whitespace. */
export function toCommandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const match of text.matchAll(commandPattern)) {
    const lead = match[1] ?? '';
    const command = match[2] ?? '';
    entities.push({ type: 'bot_command', offset: match.index + lead.length, length: command.length });
  }
  return entities;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function defaultChat(id: number): TelegramChat {
  if (id > 0) return { id, type: 'private', first_name: `User ${id}` };
  // Supergroup and channel ids look like -100xxxxxxxxxx; basic groups are small negatives.
  return String(id).startsWith('-100') ? { id, type: 'supergroup', title: `Chat ${id}` } : { id, type: 'group', title: `Chat ${id}` };
}

function userFor(options: InjectMessageOptions): TelegramUser {
  const id = options.fromId ?? options.chatId;
  const user: TelegramUser = { id, is_bot: false, first_name: options.firstName ?? `User ${id}` };
  if (options.username !== undefined) user.username = options.username;
  return user;
}

/**
 * Chats and the messages in them. Message ids are counted per chat and shared by
 * both directions, as in a private chat with a bot.
 */
export function createChatStore(bot: TelegramUser) {
  const chats = new Map<string, ChatState>();

  function stateFor(id: number, fresh?: TelegramChat): ChatState {
    const key = String(id);
    let state = chats.get(key);
    if (!state) {
      state = { chat: fresh ?? defaultChat(id), nextMessageId: 1, messages: new Map() };
      chats.set(key, state);
    } else if (fresh) {
      state.chat = { ...state.chat, ...fresh };
    }
    return state;
  }

  function store(state: ChatState, message: Omit<TelegramMessage, 'message_id' | 'date' | 'chat'>): TelegramMessage {
    const stored: TelegramMessage = { message_id: state.nextMessageId, date: nowSeconds(), chat: state.chat, ...message };
    state.nextMessageId += 1;
    state.messages.set(stored.message_id, stored);
    return stored;
  }

  function replyFor(options: InjectMessageOptions, state: ChatState, sender: TelegramUser): TelegramMessage | undefined {
    const reply = options.replyTo;
    if (!reply) return undefined;
    const known = state.messages.get(reply.messageId);
    const fromId = reply.fromId ?? known?.from?.id ?? sender.id;
    const from: TelegramUser =
      fromId === bot.id ? bot : fromId === sender.id ? sender : { id: fromId, is_bot: false, first_name: `User ${fromId}` };
    const text = reply.text ?? known?.text ?? '';
    return { message_id: reply.messageId, date: known?.date ?? nowSeconds(), chat: state.chat, from, text };
  }

  function inject(options: InjectMessageOptions): TelegramMessage {
    const from = userFor(options);
    const type = options.chatType ?? 'private';
    const chat: TelegramChat =
      type === 'private'
        ? { id: options.chatId, type, first_name: from.first_name, ...(from.username ? { username: from.username } : {}) }
        : { id: options.chatId, type, title: `Chat ${options.chatId}`, ...(options.threadId !== undefined ? { is_forum: true } : {}) };
    const state = stateFor(options.chatId, chat);
    const entities = options.entities ?? toCommandEntities(options.text);
    const reply = replyFor(options, state, from);
    return store(state, {
      from,
      ...(options.media !== undefined && options.text === '' ? {} : { text: options.text }),
      ...options.media,
      ...(entities.length > 0 ? { entities } : {}),
      ...(options.threadId !== undefined ? { message_thread_id: options.threadId, is_topic_message: true } : {}),
      ...(reply ? { reply_to_message: reply } : {}),
    });
  }

  return {
    inject,
    /** Stores a message the bot sent and returns it as the Bot API would. */
    storeFromBot(chatId: number, fields: Omit<TelegramMessage, 'message_id' | 'date' | 'chat' | 'from'>): TelegramMessage {
      return store(stateFor(chatId), { from: bot, ...fields });
    },
    find(chatId: number, messageId: number): TelegramMessage | undefined {
      return chats.get(String(chatId))?.messages.get(messageId);
    },
    chat(chatId: number): TelegramChat {
      return stateFor(chatId).chat;
    },
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;
