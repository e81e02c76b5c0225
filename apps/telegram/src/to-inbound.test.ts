import { describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import { isAllowed, toInbound } from './to-inbound.js';

const bot = { id: 999, username: 'nano_bot' };
const open = { allowFrom: ['*'], groupPolicy: 'mention' as const };

function update(id: number, message: Record<string, unknown>): Update {
  return { update_id: id, message: { message_id: 7, date: 0, chat: { id: 42, type: 'private' }, from: { id: 42, is_bot: false, first_name: 'A', username: 'alice' }, ...message } } as unknown as Update;
}

describe('isAllowed', () => {
  it('denies everyone when the list is empty', () => {
    expect(isAllowed([], '42', 'alice')).toBe(false);
  });
  it('allows everyone with a star', () => {
    expect(isAllowed(['*'], '42', undefined)).toBe(true);
  });
  it('matches an id, a username, or either part of id|username', () => {
    expect(isAllowed(['42'], '42', undefined)).toBe(true);
    expect(isAllowed(['alice'], '7', 'alice')).toBe(true);
    expect(isAllowed(['@alice'], '7', 'alice')).toBe(true);
    expect(isAllowed(['42|bob'], '42', 'alice')).toBe(true);
    expect(isAllowed(['1|alice'], '42', 'alice')).toBe(true);
    expect(isAllowed(['43', 'bob'], '42', 'alice')).toBe(false);
  });
});

describe('toInbound', () => {
  it('turns a private text message into an inbound message keyed by bot and update id', () => {
    const verdict = toInbound(update(100, { text: 'hello' }), bot, open, 5);
    expect(verdict).toEqual({
      kind: 'accept',
      message: expect.objectContaining({
        kind: 'message',
        id: 'tg-999-100',
        seq: 100,
        chatId: '42',
        senderId: '42|alice',
        sessionKey: 'telegram:42',
        text: 'hello',
        sourceMessageId: '7',
      }),
    });
  });

  it('reads commands, strips this bot\'s @suffix and ignores commands for other bots', () => {
    const mine = toInbound(update(1, { text: '/new@nano_bot' }), bot, open, 0);
    expect(mine).toMatchObject({ kind: 'accept', message: { kind: 'command', command: 'new' } });
    expect(toInbound(update(1, { text: '/history 5' }), bot, open, 0)).toMatchObject({ message: { kind: 'command', command: 'history', args: '5' } });
    const other = toInbound(update(2, { text: '/new@other_bot' }), bot, open, 0);
    expect(other).toMatchObject({ kind: 'ignore' });
    expect(toInbound(update(4, { text: '/restart' }), bot, open, 0)).toMatchObject({ message: { kind: 'command', command: 'restart' } });
    const unknown = toInbound(update(3, { text: '/weather Paris' }), bot, open, 0);
    expect(unknown).toMatchObject({ kind: 'accept', message: { kind: 'message', text: '/weather Paris' } });
    const model = toInbound(update(4, { text: '/model@nano_bot deep' }), bot, open, 0);
    expect(model).toMatchObject({ kind: 'accept', message: { kind: 'command', command: 'model', args: 'deep' } });
  });

  it('answers groups only when mentioned or replied to, under the mention policy', () => {
    const group = { chat: { id: -5, type: 'supergroup' } };
    expect(toInbound(update(1, { ...group, text: 'hi all' }), bot, open, 0)).toMatchObject({ kind: 'ignore' });
    expect(toInbound(update(2, { ...group, text: 'hi @nano_bot' }), bot, open, 0)).toMatchObject({ kind: 'accept' });
    const reply = { reply_to_message: { message_id: 1, date: 0, chat: group.chat, from: { id: 999, is_bot: true, first_name: 'n' } } };
    expect(toInbound(update(3, { ...group, ...reply, text: 'and?' }), bot, open, 0)).toMatchObject({ kind: 'accept' });
    expect(toInbound(update(4, { ...group, text: 'hi all' }), bot, { ...open, groupPolicy: 'open' }, 0)).toMatchObject({ kind: 'accept' });
  });

  it('keys forum topics as their own sessions', () => {
    const verdict = toInbound(update(5, { text: 'x', is_topic_message: true, message_thread_id: 12 }), bot, open, 0);
    expect(verdict).toMatchObject({ kind: 'accept', message: { sessionKey: 'telegram:42:topic:12', threadId: '12' } });
  });

  it('ignores senders outside allowFrom, bots and non-message updates; flags malformed messages', () => {
    expect(toInbound(update(6, { text: 'x' }), bot, { ...open, allowFrom: ['1'] }, 0)).toEqual({ kind: 'stranger', id: 'tg-999-6', chatId: '42', userId: '42', sender: '42|alice' });
    expect(toInbound(update(6, { text: 'x', chat: { id: -5, type: 'group' } }), bot, { ...open, allowFrom: ['1'] }, 0)).toMatchObject({ kind: 'ignore' });
    expect(toInbound(update(7, { text: 'x', from: { id: 5, is_bot: true, first_name: 'b' } }), bot, open, 0)).toMatchObject({ kind: 'ignore' });
    expect(toInbound({ update_id: 8, edited_message: {} } as unknown as Update, bot, open, 0)).toMatchObject({ kind: 'ignore' });
    expect(toInbound({ update_id: 9, message: { text: 'x' } } as unknown as Update, bot, open, 0)).toMatchObject({ kind: 'malformed' });
  });

  it('calls an update malformed, never throws, when its message breaks the Bot API types', () => {
    const raw = (body: Record<string, unknown>) => ({ update_id: 11, ...body }) as unknown as Update;
    const cases: Array<[Update, string]> = [
      [raw({ message: null }), 'message is not an object'],
      [raw({ message: 'hello' }), 'message is not an object'],
      [raw({ message: [] }), 'message is not an object'],
      [raw({ message: { message_id: 1, date: 0, chat: null } }), 'message without chat id or message id'],
      [update(12, { text: 1234 }), 'message text is not a string'],
      [update(13, { text: null }), 'message text is not a string'],
      [update(14, { caption: { nested: 'object' } }), 'message caption is not a string'],
      [update(15, { text: 'x', from: null }), 'message sender is not a user'],
      [update(16, { text: 'x', from: { id: '42', is_bot: false } }), 'message sender is not a user'],
      [update(17, { text: 'x', from: { id: 42, is_bot: false, username: 7 } }), 'message sender is not a user'],
      [update(18, { document: null }), 'message document is not a document'],
      [update(19, { document: { file_id: 'f', file_name: ['a'] } }), 'message document is not a document'],
      [update(20, { text: 'x', reply_to_message: 'quoted' }), 'replied-to message is not an object'],
      [update(21, { text: 'x', is_topic_message: true, message_thread_id: '12' }), 'topic message without thread id'],
    ];
    for (const [input, reason] of cases) {
      for (const policy of [open, { ...open, allowFrom: ['42'] }, { allowFrom: ['1'], groupPolicy: 'open' as const }]) {
        expect(toInbound(input, bot, policy, 0), JSON.stringify(input)).toEqual({ kind: 'malformed', reason });
      }
    }
  });

  it('still reads a message without sender as one to ignore, and a null reply target as no reply', () => {
    expect(toInbound(update(22, { text: 'x', from: undefined }), bot, open, 0)).toEqual({ kind: 'ignore', reason: 'message without sender' });
    const group = { chat: { id: -5, type: 'group' }, reply_to_message: { message_id: 1, from: null } };
    expect(toInbound(update(23, { ...group, text: 'hi' }), bot, open, 0)).toMatchObject({ kind: 'ignore', reason: 'group message without mention' });
  });

  it('takes a photo\'s caption as the text; the poller downloads the photo and adds its path', () => {
    const verdict = toInbound(update(10, { photo: [{ file_id: 'f', file_unique_id: 'u', width: 1, height: 1 }], caption: 'look' }), bot, open, 0);
    expect(verdict).toMatchObject({ kind: 'accept', message: { text: 'look', media: [] } });
  });
});
