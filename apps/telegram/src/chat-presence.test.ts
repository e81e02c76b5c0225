import type { Api } from 'grammy';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { createChatPresence } from './chat-presence.js';
import { createTypingIndicator, typingMaxMs } from './typing-indicator.js';

const log = createLogger({ name: 'presence-test', level: 'silent' });

/** Records the Bot API calls presence makes; `setMessageReaction` answers when the test says. */
function recordingApi() {
  const calls: Array<{ method: string; chatId: string; args: unknown[] }> = [];
  const pendingReactions: Array<() => void> = [];
  const api = {
    sendChatAction: async (chatId: string, ...args: unknown[]) => void calls.push({ method: 'sendChatAction', chatId, args }),
    setMessageReaction: (chatId: string, ...args: unknown[]) => {
      calls.push({ method: 'setMessageReaction', chatId, args });
      return new Promise<boolean>((resolve) => pendingReactions.push(() => resolve(true)));
    },
  } as unknown as Api;
  return { api, calls, answerReactions: () => pendingReactions.splice(0).forEach((answer) => answer()) };
}

type Reply = OutboundMessage & { kind: 'reply' };
const reply = (over: Partial<Reply> = {}): Reply => ({
  kind: 'reply', id: 'm1-reply', inReplyTo: 'm1', channel: 'telegram', chatId: '42', replyToMessageId: '7', text: 'answer', format: 'markdown', ...over,
});

describe('chat presence: typing for the whole turn, the reaction until the answer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps typing past 120 s, through progress hints, and stops when the answer is sent', async () => {
    const { api, calls } = recordingApi();
    const typing = createTypingIndicator({ api, log });
    const presence = createChatPresence({ api, log, typing });
    presence.arrived({ chatId: '42', sourceMessageId: '7' });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(typing.isTyping('42')).toBe(true);
    const typed = calls.filter((c) => c.method === 'sendChatAction').length;
    expect(typed).toBeGreaterThanOrEqual(150); // every 4 s for 10 minutes
    await presence.answered(reply({ id: 'm1-1-hint', text: 'running exec: ls', progress: true }));
    await vi.advanceTimersByTimeAsync(8_000);
    expect(typing.isTyping('42')).toBe(true);
    expect(calls.filter((c) => c.method === 'sendChatAction').length).toBeGreaterThan(typed);
    await presence.answered(reply());
    expect(typing.isTyping('42')).toBe(false);
    const atAnswer = calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.length).toBe(atAnswer);
    expect(calls.some((c) => c.method === 'setMessageReaction')).toBe(false); // no reactEmoji set
  });

  it('stops at the safety cap when no answer ever comes', async () => {
    const { api } = recordingApi();
    const typing = createTypingIndicator({ api, log });
    typing.start('43');
    await vi.advanceTimersByTimeAsync(typingMaxMs - 10_000);
    expect(typing.isTyping('43')).toBe(true);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(typing.isTyping('43')).toBe(false);
  });

  it('reacts to the message and takes the reaction off when its answer is sent, never before the reaction was set', async () => {
    const { api, calls, answerReactions } = recordingApi();
    const presence = createChatPresence({ api, log, typing: createTypingIndicator({ api, log }), reactEmoji: '👀' });
    presence.arrived({ chatId: '42', sourceMessageId: '7' });
    const answered = presence.answered(reply());
    await vi.advanceTimersByTimeAsync(0);
    const reactions = () => calls.filter((c) => c.method === 'setMessageReaction').map((c) => c.args);
    // The removal waits for the setting to be answered.
    expect(reactions()).toEqual([[7, [{ type: 'emoji', emoji: '👀' }]]]);
    answerReactions();
    await vi.advanceTimersByTimeAsync(0);
    answerReactions();
    await answered;
    expect(reactions()).toEqual([[7, [{ type: 'emoji', emoji: '👀' }]], [7, []]]);
    // A hint answers no message and leaves the reaction, as does a cron forward.
    await presence.answered(reply({ progress: true, replyToMessageId: undefined }));
    await presence.answered(reply({ replyToMessageId: undefined }));
    expect(reactions()).toHaveLength(2);
  });
});
