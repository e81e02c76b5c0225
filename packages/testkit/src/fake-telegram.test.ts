import { Api, Bot, GrammyError, HttpError } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from './fake-telegram.js';

let telegram: FakeTelegram;
let api: Api;

beforeEach(async () => {
  telegram = await startFakeTelegram();
  api = new Api(telegram.token, { apiRoot: telegram.apiRoot });
});

afterEach(async () => {
  await telegram.close();
});

/** Calls a method with fetch and returns HTTP status and the parsed envelope. */
async function post(method: string, body: unknown, token = telegram.token): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${telegram.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function grammyError(promise: Promise<unknown>): Promise<GrammyError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof GrammyError)) throw new Error(`expected a GrammyError, got ${String(error)}`);
  return error;
}

describe('fake Telegram: basics', () => {
  it('answers getMe with the bot whose id is the number in the token', async () => {
    const me = await api.getMe();
    expect(me).toMatchObject({ id: 123456789, is_bot: true, username: 'nanobot_test_bot', can_join_groups: true });
    expect(telegram.botId).toBe(123456789);
  });

  it('answers a wrong token with 401 Unauthorized', async () => {
    const { status, json } = await post('getMe', {}, '1:wrong');
    expect(status).toBe(401);
    expect(json).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
    const error = await grammyError(new Api('1:wrong', { apiRoot: telegram.apiRoot }).getMe());
    expect(error.error_code).toBe(401);
  });

  it('answers an unknown method with 404 Not Found and records the call', async () => {
    const { status, json } = await post('sendTelepathy', {});
    expect(status).toBe(404);
    expect(json.description).toBe('Not Found');
    expect(telegram.calls('sendTelepathy')).toMatchObject([{ status: 404 }]);
  });

  it('treats method names case-insensitively', async () => {
    const { status } = await post('GETME', {});
    expect(status).toBe(200);
    expect(telegram.calls('getMe')).toHaveLength(1);
  });

  it('accepts form-encoded bodies and query-string parameters', async () => {
    const form = await fetch(`${telegram.apiRoot}/bot${telegram.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '42', text: '<b>form</b>', parse_mode: 'HTML' }),
    });
    const query = await fetch(`${telegram.apiRoot}/bot${telegram.token}/sendMessage?chat_id=42&text=query`);
    expect([form.status, query.status]).toEqual([200, 200]);
    expect(telegram.sentTo(42).map((message) => message.visibleText)).toEqual(['form', 'query']);
  });

  it('answers malformed JSON with 400 and keeps serving', async () => {
    const response = await fetch(`${telegram.apiRoot}/bot${telegram.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id": 1, "text": ',
    });
    expect(response.status).toBe(400);
    expect(await api.getMe()).toMatchObject({ id: telegram.botId });
  });
});

describe('fake Telegram: getUpdates', () => {
  it('redelivers an unconfirmed update and drops it once the offset confirms it', async () => {
    const first = telegram.injectMessage({ chatId: 7, text: 'one' });
    const second = telegram.injectMessage({ chatId: 7, text: 'two' });
    expect(first.update_id).toBe(500000);
    expect((await api.getUpdates()).map((update) => update.update_id)).toEqual([500000, 500001]);
    expect((await api.getUpdates()).map((update) => update.message?.text)).toEqual(['one', 'two']);
    expect((await api.getUpdates({ offset: first.update_id + 1 })).map((update) => update.update_id)).toEqual([second.update_id]);
    expect(telegram.confirmedOffset()).toBe(500001);
    expect(await api.getUpdates({ offset: second.update_id + 1 })).toEqual([]);
    expect(telegram.pendingUpdates()).toEqual([]);
    expect(telegram.confirmedOffset()).toBe(500002);
  });

  it('honours limit and a negative offset', async () => {
    for (const text of ['a', 'b', 'c', 'd']) telegram.injectMessage({ chatId: 1, text });
    expect((await api.getUpdates({ limit: 2 })).map((update) => update.message?.text)).toEqual(['a', 'b']);
    expect((await api.getUpdates({ offset: -1 })).map((update) => update.message?.text)).toEqual(['d']);
    expect(telegram.pendingUpdates()).toHaveLength(1);
  });

  it('builds message updates with per-chat ids, commands, topics and replies', async () => {
    telegram.injectMessage({ chatId: 5, text: 'hi', username: 'ann', firstName: 'Ann' });
    telegram.injectMessage({ chatId: -1001, fromId: 6, text: 'earlier', chatType: 'supergroup', threadId: 9 });
    const update = telegram.injectMessage({
      chatId: -1001,
      fromId: 5,
      text: '/start@nanobot_test_bot now /help',
      chatType: 'supergroup',
      threadId: 9,
      replyTo: { messageId: 1 },
    });
    const delivered = await api.getUpdates();
    expect(delivered[2]).toEqual(update);
    expect(update.message).toMatchObject({
      message_id: 2,
      chat: { id: -1001, type: 'supergroup', is_forum: true },
      from: { id: 5, is_bot: false },
      entities: [
        { type: 'bot_command', offset: 0, length: 23 },
        { type: 'bot_command', offset: 28, length: 5 },
      ],
      message_thread_id: 9,
      is_topic_message: true,
      reply_to_message: { message_id: 1, text: 'earlier', from: { id: 6 } },
    });
    expect(telegram.injectMessage({ chatId: 5, text: 'again' }).message?.message_id).toBe(2);
  });

  it('answers a long poll as soon as an update is injected', async () => {
    const started = Date.now();
    const poll = api.getUpdates({ timeout: 1 });
    await telegram.waitFor(() => telegram.calls('getUpdates').length === 1);
    telegram.injectMessage({ chatId: 3, text: 'wake up' });
    const updates = await poll;
    expect(updates.map((update) => update.message?.text)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(800);
  });

  it('answers an empty list when the long poll times out', async () => {
    const started = Date.now();
    expect(await api.getUpdates({ timeout: 1 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('terminates the older of two concurrent polls with 409', async () => {
    const older = grammyError(api.getUpdates({ timeout: 1 }));
    await telegram.waitFor(() => telegram.calls('getUpdates').length === 1);
    const newer = api.getUpdates({ timeout: 1 });
    const error = await older;
    expect(error.error_code).toBe(409);
    expect(error.description).toBe('Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    telegram.injectMessage({ chatId: 1, text: 'for the newer one' });
    expect((await newer).map((update) => update.message?.text)).toEqual(['for the newer one']);
  });

  it('refuses getUpdates while a webhook is set and drops pending updates on request', async () => {
    telegram.injectMessage({ chatId: 1, text: 'pending' });
    await api.setWebhook('https://example.com/hook');
    expect((await api.getWebhookInfo()).pending_update_count).toBe(1);
    const error = await grammyError(api.getUpdates());
    expect(error.error_code).toBe(409);
    expect(error.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);
    await api.deleteWebhook({ drop_pending_updates: true });
    expect(await api.getUpdates()).toEqual([]);
    expect(telegram.confirmedOffset()).toBe(500001);
  });

  it('survives a client that disconnects during a long poll', async () => {
    await fetch(`${telegram.apiRoot}/bot${telegram.token}/getUpdates?timeout=1`, { signal: AbortSignal.timeout(100) }).catch(
      (error: unknown) => error,
    );
    telegram.injectMessage({ chatId: 1, text: 'after abort' });
    expect((await api.getUpdates()).map((update) => update.message?.text)).toEqual(['after abort']);
  });
});

describe('fake Telegram: a real grammY bot', () => {
  it('long-polls, answers a command and confirms the update when stopped', async () => {
    const bot = new Bot(telegram.token, { client: { apiRoot: telegram.apiRoot } });
    bot.command('start', (ctx) => ctx.reply(`hello ${ctx.from?.first_name ?? ''}`));
    const running = bot.start({ timeout: 1 });
    const update = telegram.injectMessage({ chatId: 11, text: '/start', firstName: 'Zoe' });
    await telegram.waitFor(() => telegram.sent().length === 1);
    await bot.stop();
    await running;
    expect(telegram.sentTo(11).map((message) => message.text)).toEqual(['hello Zoe']);
    expect(telegram.confirmedOffset()).toBe(update.update_id + 1);
    expect(telegram.calls().slice(0, 2).map((call) => call.method)).toEqual(['getMe', 'deleteWebhook']);
  });
});

describe('fake Telegram: sendMessage and editMessageText', () => {
  it('records valid HTML with its visible text and returns a Message from the bot', async () => {
    telegram.injectMessage({ chatId: 42, text: 'question' });
    const message = await api.sendMessage(42, '<b>Hi</b> &amp; bye', { parse_mode: 'HTML', reply_parameters: { message_id: 1 } });
    expect(message).toMatchObject({ message_id: 2, text: 'Hi & bye', chat: { id: 42, type: 'private' }, from: { id: telegram.botId } });
    expect(telegram.sent()).toMatchObject([
      { chatId: '42', text: '<b>Hi</b> &amp; bye', visibleText: 'Hi & bye', parseMode: 'HTML', messageId: 2, replyToMessageId: 1 },
    ]);
  });

  it('rejects empty, too long and unparsable text with Telegram descriptions', async () => {
    const cases: Array<[string, Parameters<Api['sendMessage']>[2], string]> = [
      ['', undefined, 'Bad Request: message text is empty'],
      ['<b> </b>', { parse_mode: 'HTML' }, 'Bad Request: message text is empty'],
      ['x'.repeat(4097), undefined, 'Bad Request: message is too long'],
      ['<b>x'.padEnd(4101, 'y') + '</b>', { parse_mode: 'HTML' }, 'Bad Request: message is too long'],
      ['a < b', { parse_mode: 'HTML' }, 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'],
      ['<b>open', { parse_mode: 'HTML' }, 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'],
    ];
    for (const [text, other, description] of cases) {
      const error = await grammyError(api.sendMessage(1, text, other));
      expect([error.error_code, error.description]).toEqual([400, description]);
    }
    expect(telegram.sent()).toEqual([]);
    expect(telegram.rejected().map((rejection) => rejection.description)).toEqual(cases.map(([, , description]) => description));
  });

  it('counts the 4096 limit on visible text, an entity being one character', async () => {
    const text = `<b>${'&lt;'.repeat(4096)}</b>`;
    await api.sendMessage(1, text, { parse_mode: 'HTML' });
    expect(telegram.sent()[0]?.visibleText).toBe('<'.repeat(4096));
  });

  it('rejects a reply to an unknown message', async () => {
    const error = await grammyError(api.sendMessage(1, 'hi', { reply_parameters: { message_id: 99 } }));
    expect(error.description).toBe('Bad Request: message to be replied not found');
  });

  it('records edits and refuses an edit that changes nothing', async () => {
    const message = await api.sendMessage(8, 'draft');
    await api.editMessageText(8, message.message_id, '<i>final</i>', { parse_mode: 'HTML' });
    expect(telegram.edits()).toMatchObject([{ chatId: '8', messageId: message.message_id, visibleText: 'final' }]);
    const error = await grammyError(api.editMessageText(8, message.message_id, '<i>final</i>', { parse_mode: 'HTML' }));
    expect(error.description).toMatch(/^Bad Request: message is not modified/);
    const missing = await grammyError(api.editMessageText(8, 77, 'x'));
    expect(missing.description).toBe('Bad Request: message to edit not found');
  });

  it('answers an edit into a message\'s own content as Telegram does, for a delivery probe', async () => {
    const sent = await api.sendMessage(9, '<b>hi</b>', { parse_mode: 'HTML' });
    const same = await grammyError(api.editMessageText(9, sent.message_id, '<b>hi</b>', { parse_mode: 'HTML' }));
    expect(same.description).toMatch(/^Bad Request: message is not modified: specified new message content/);
    const user = telegram.injectMessage({ chatId: 9, text: 'from the user' }).message!;
    const foreign = await grammyError(api.editMessageText(9, user.message_id, 'from the user'));
    expect(foreign.description).toBe("Bad Request: message can't be edited");
    expect(telegram.edits()).toEqual([]);
  });

  it('acknowledges chat actions, commands and reactions and records them', async () => {
    await api.sendChatAction(1, 'typing');
    await api.setMyCommands([{ command: 'start', description: 'Start' }]);
    expect(await api.getMyCommands()).toEqual([{ command: 'start', description: 'Start' }]);
    await api.deleteMyCommands();
    expect(telegram.commands()).toEqual([]);
    expect(telegram.calls().map((call) => [call.method, call.status])).toEqual([
      ['sendChatAction', 200],
      ['setMyCommands', 200],
      ['getMyCommands', 200],
      ['deleteMyCommands', 200],
    ]);
  });
});

describe('fake Telegram: faults', () => {
  it('answers a status fault the given number of times, then recovers', async () => {
    telegram.setFault('sendMessage', { kind: 'status', status: 502, times: 1 });
    const error = await grammyError(api.sendMessage(1, 'x'));
    expect([error.error_code, error.description]).toEqual([502, 'Bad Gateway']);
    await api.sendMessage(1, 'y');
    expect(telegram.sent().map((message) => message.text)).toEqual(['y']);
    expect(telegram.calls('sendMessage').map((call) => [call.status, call.fault])).toEqual([
      [502, 'status'],
      [200, undefined],
    ]);
  });

  it('answers retryAfter with 429 and parameters.retry_after', async () => {
    telegram.setFault('*', { kind: 'retryAfter', seconds: 3 });
    const error = await grammyError(api.sendMessage(1, 'x'));
    expect(error.error_code).toBe(429);
    expect(error.description).toBe('Too Many Requests: retry after 3');
    expect(error.parameters.retry_after).toBe(3);
    telegram.clearFaults();
    await api.sendMessage(1, 'x');
    expect(telegram.sent()).toHaveLength(1);
  });

  it('answers a conflict fault like a second poller', async () => {
    telegram.setFault('getUpdates', { kind: 'conflict', times: 1 });
    const error = await grammyError(api.getUpdates());
    expect(error.error_code).toBe(409);
    expect(await api.getUpdates()).toEqual([]);
  });

  it('hangs until the client gives up', async () => {
    telegram.setFault('getMe', { kind: 'hang' });
    const outcome = await fetch(`${telegram.apiRoot}/bot${telegram.token}/getMe`, { signal: AbortSignal.timeout(150) }).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.name : 'unknown'),
    );
    expect(outcome).toBe('TimeoutError');
    expect(telegram.calls('getMe')).toMatchObject([{ status: 0, fault: 'hang' }]);
  });

  it('resets the connection without performing the method', async () => {
    telegram.setFault('sendMessage', { kind: 'reset', times: 1 });
    await expect(api.sendMessage(1, 'lost')).rejects.toBeInstanceOf(HttpError);
    expect(telegram.sent()).toEqual([]);
  });

  it('delivers the message but loses the response with lostResponse', async () => {
    telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    await expect(api.sendMessage(1, 'delivered')).rejects.toBeInstanceOf(HttpError);
    expect(telegram.sent().map((message) => message.text)).toEqual(['delivered']);
    expect(telegram.calls('sendMessage')).toMatchObject([{ status: 0, fault: 'lostResponse' }]);
  });

  it('delivers the message, then answers an error status with statusAfterEffect', async () => {
    telegram.setFault('sendMessage', { kind: 'statusAfterEffect', status: 502, times: 1 });
    const error = await grammyError(api.sendMessage(1, 'delivered anyway'));
    expect(error.error_code).toBe(502);
    expect(telegram.sent().map((message) => message.text)).toEqual(['delivered anyway']);
    expect(telegram.calls('sendMessage')).toMatchObject([{ status: 502, fault: 'statusAfterEffect' }]);
  });

  it('delivers the message, then never answers with hangAfterEffect', async () => {
    telegram.setFault('sendMessage', { kind: 'hangAfterEffect', times: 1 });
    const outcome = await fetch(`${telegram.apiRoot}/bot${telegram.token}/sendMessage?chat_id=1&text=held`, { signal: AbortSignal.timeout(300) }).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.name : 'unknown'),
    );
    expect(outcome).toBe('TimeoutError');
    expect(telegram.sent().map((message) => message.text)).toEqual(['held']);
    expect(telegram.calls('sendMessage')).toMatchObject([{ status: 0, fault: 'hangAfterEffect' }]);
  });

  it('delays the answer with a delay fault', async () => {
    telegram.setFault('getMe', { kind: 'delay', ms: 200 });
    const started = Date.now();
    await api.getMe();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('ends pending long polls and hung requests on close', async () => {
    telegram.setFault('getMe', { kind: 'hang' });
    const hung = api.getMe().then(
      () => 'answered',
      () => 'failed',
    );
    const poll = api.getUpdates({ timeout: 30 }).then(
      () => 'answered',
      () => 'failed',
    );
    await telegram.waitFor(() => telegram.calls().length === 2);
    await telegram.close();
    expect(await Promise.all([hung, poll])).toEqual(['failed', 'failed']);
  });

  it('rejects waitFor with a timeout error', async () => {
    await expect(telegram.waitFor(() => false, 50)).rejects.toThrow(/50 ms/);
  });
});
