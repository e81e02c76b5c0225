import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createToolAgent, lastToolResults, signal } from '../test-support/tool-agent.js';
import { createMemoryToolJournal } from './tool-call-journal.js';

// Whole replies: these tests count what reaches the chat; streamed previews have tests of their own.
const telegramOn = { telegram: { enabled: true, token: '1:x', allowFrom: ['*'], streaming: false } };

describe('the message tool, through the agent loop', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());
  beforeEach(() => {
    llm.resetResponder();
    llm.clearFaults();
  });

  it('sends to another chat with an id from the turn and the call, and the turn still answers here', async () => {
    const t = await createToolAgent(llm, { channels: telegramOn });
    const message = t.message('tell chat 77 hello');
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'Hello from 42', channel: 'telegram', chat_id: '77' } }] }, { content: 'Told them.' });
    await t.agent.handleTurn(message, { signal });
    expect(t.elsewhere).toEqual([{ kind: 'reply', id: `${message.id}-1-0-message`, inReplyTo: message.id, channel: 'telegram', chatId: '77', text: 'Hello from 42', format: 'markdown' }]);
    expect(lastToolResults(llm)).toEqual(['Message sent to telegram:77']);
    expect(t.sent.map((r) => r.text)).toEqual(['Told them.']);
  });

  it('to this chat makes the answer redundant: it is stored, not sent, also when the turn runs again', async () => {
    const t = await createToolAgent(llm, { channels: telegramOn });
    const message = t.message('remind me', { threadId: '5' });
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'Reminder: call Ana' } }] }, { content: 'I sent you the reminder.' });
    await t.agent.handleTurn(message, { signal });
    expect(t.sent).toEqual([expect.objectContaining({ id: `${message.id}-1-0-message`, chatId: '42', threadId: '5', text: 'Reminder: call Ana' })]);
    const stored = (await t.agent.sessions.readAll('telegram:42')).at(-1);
    expect(stored).toMatchObject({ role: 'assistant', content: 'I sent you the reminder.', replySuppressed: true });
    await t.agent.handleTurn(message, { signal });
    expect(t.sent).toHaveLength(1);
  });

  it('still answers when another message joined the turn (nanobot: the answer covers it)', async () => {
    const t = await createToolAgent(llm, { channels: telegramOn });
    const first = t.message('note this');
    const joining = t.message('and this');
    let taken = false;
    const takeInjected = async () => (taken ? [] : ((taken = true), [joining]));
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'Noted.' } }] }, { content: 'Both noted.' });
    await t.agent.handleTurn(first, { signal, takeInjected });
    expect(t.sent.map((r) => r.text)).toEqual(['Noted.', '↪ Got it, I am adding this to the task I am working on.', 'Both noted.']);
  });

  it('sends nothing twice when a model outage puts the turn back after the message went out', async () => {
    const journal = createMemoryToolJournal();
    const t = await createToolAgent(llm, { channels: telegramOn, journal });
    const message = t.message('tell 77');
    let calls = 0;
    llm.setResponder(() => {
      calls += 1;
      if (calls > 1) return { content: 'Done.' };
      llm.setFault({ kind: 'status', status: 502, times: 1 });
      return { toolCalls: [{ name: 'message', arguments: { content: 'Hi 77', channel: 'telegram', chat_id: '77' } }] };
    });
    expect(await t.agent.handleTurn(message, { signal })).toMatchObject({ kind: 'unavailable' });
    expect(await t.agent.handleTurn(message, { signal })).toEqual({ kind: 'done' });
    expect(t.elsewhere.map((m) => m.text)).toEqual(['Hi 77']);
    expect(t.sent.map((r) => r.text)).toEqual(['Done.']);
  });

  it('refuses unknown and disabled channels and a Telegram chat id that is not a number', async () => {
    const t = await createToolAgent(llm, { channels: telegramOn });
    const calls = [
      { content: 'x', channel: 'matrix', chat_id: '1' },
      { content: 'x', channel: 'whatsapp', chat_id: '4915@s.whatsapp.net' },
      { content: 'x', channel: 'telegram', chat_id: '@bob' },
      { content: '' },
    ];
    llm.script({ toolCalls: calls.map((a) => ({ name: 'message', arguments: a })) }, { content: 'ok' });
    await t.agent.handleTurn(t.message('spam'), { signal });
    expect(lastToolResults(llm)).toEqual([
      "Error: unknown channel 'matrix'. Channels: telegram",
      'Error: the whatsapp channel is not enabled',
      "Error: a Telegram chat_id is a number, not '@bob'",
      'Error: content or media is needed',
    ]);
    expect(t.elsewhere).toEqual([]);
  });
});
