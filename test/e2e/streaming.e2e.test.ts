import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type TelegramStack } from '@nanobot/testkit';

/** A long answer, streamed a word at a time by the fake LLM. */
const answerOf = (tag: string, words: number) => `${tag}: ${Array.from({ length: words }, (_, i) => `word${i}`).join(' ')}`;
const intervalS = 0.5;

describe('streamed replies on Telegram (channels.telegram.streaming)', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack({
      configure: (config) => {
        const telegram = (config.channels as { telegram: Record<string, unknown> }).telegram;
        telegram.streaming = true;
        telegram.streamEditInterval = intervalS;
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** What the chat shows in a message now: its last edit, or the text it was sent with. */
  const shown = (chatId: number, messageId: number) => {
    const edits = stack.telegram.edits().filter((e) => e.chatId === String(chatId) && e.messageId === messageId);
    return edits.at(-1)?.visibleText ?? stack.telegram.sentTo(chatId).find((m) => m.messageId === messageId)?.visibleText;
  };

  it('shows a first message soon after the first chunk, edits it no faster than the interval, and ends with the whole answer in that one message', async () => {
    const { telegram, llm } = stack;
    const chatId = 501;
    const answer = answerOf('slow', 24);
    llm.setChunkDelay(150); // about 3.5 s of streaming
    llm.script({ content: answer });
    const chunksBefore = llm.firstChunks().length;
    telegram.injectMessage({ chatId, text: 'tell me a long story' });

    await telegram.waitFor(() => telegram.sentTo(chatId).length === 1, 30_000);
    const first = telegram.sentTo(chatId)[0]!;
    const firstChunkAt = llm.firstChunks()[chunksBefore]!;
    expect(first.at - firstChunkAt).toBeLessThan(1_500);
    expect(answer.startsWith(first.visibleText)).toBe(true);
    expect(first.visibleText.length).toBeLessThan(answer.length);

    await telegram.waitFor(() => shown(chatId, first.messageId) === answer, 30_000);
    await new Promise((r) => setTimeout(r, 1_500)); // a second message or a late preview would come now
    expect(telegram.sentTo(chatId)).toHaveLength(1);
    expect(shown(chatId, first.messageId)).toBe(answer);
    const edits = telegram.edits().filter((e) => e.chatId === String(chatId));
    expect(edits.length).toBeGreaterThanOrEqual(2);
    // Previews no faster than the interval (a little slack for timer jitter); the final edit may follow the last preview sooner.
    const previewGaps = edits.slice(0, -1).map((e, i) => e.at - (i === 0 ? first.at : edits[i - 1]!.at));
    for (const gap of previewGaps) expect(gap).toBeGreaterThanOrEqual(intervalS * 1000 - 100);
  });

  it('strips inline reasoning from what the chat shows', async () => {
    const { telegram, llm } = stack;
    const chatId = 502;
    llm.setChunkDelay(20);
    llm.script({ content: '<think>the user wants a greeting, keep it short</think>Hello there, friend.' });
    telegram.injectMessage({ chatId, text: 'hi' });
    await telegram.waitFor(() => telegram.sentTo(chatId).length === 1, 30_000);
    const message = telegram.sentTo(chatId)[0]!;
    await telegram.waitFor(() => shown(chatId, message.messageId) === 'Hello there, friend.', 30_000);
    for (const text of [message.visibleText, ...telegram.edits().filter((e) => e.chatId === String(chatId)).map((e) => e.visibleText)]) {
      expect(text).not.toContain('think');
      expect(text).not.toContain('greeting');
    }
  });

  it('ends with one complete message, not two, when the agent is killed with -9 mid-stream', async () => {
    const { telegram, llm, cluster } = stack;
    const chatId = 503;
    const answer = answerOf('killed', 30);
    llm.setChunkDelay(200); // about 6 s of streaming: the kill lands while it goes on
    llm.script({ content: answer }, { content: answer });
    telegram.injectMessage({ chatId, text: 'a long one, please' });
    await telegram.waitFor(() => telegram.sentTo(chatId).length === 1, 30_000);
    const first = telegram.sentTo(chatId)[0]!;
    expect(first.visibleText.length).toBeLessThan(answer.length);
    process.kill(await cluster.pidOf('nanobot-agent'), 'SIGKILL');

    // pm2 restarts the agent; the turn runs again and streams into the same message.
    await telegram.waitFor(() => shown(chatId, first.messageId) === answer, 90_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(telegram.sentTo(chatId)).toHaveLength(1);
    expect(shown(chatId, first.messageId)).toBe(answer);
  });
});
