import { RateLimitError } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dies, reply, startSenderHarness, type SenderHarness } from './sender-harness.test-helper.js';

/**
 * The send window: every moment at which a chunk's delivery is unknown to the sender
 * (killed after Telegram answered or before it asked, connection reset, 5xx) ends with the
 * chunk in the chat exactly once and nothing parked.
 */
describe('the Telegram sender across the send window', () => {
  let h: SenderHarness;
  beforeAll(async () => {
    h = await startSenderHarness();
  });
  afterAll(async () => h.close());
  beforeEach(async () => h.reset());

  const texts = (chatId: number) => h.telegram.sentTo(chatId).map((m) => m.text);

  it('sends a reply once when the process dies between Telegram\'s answer and the sent-marker', async () => {
    const asked = h.userMessage(51, 'question');
    const job = await h.job(reply('w1-reply', 51, 'the answer', { replyToMessageId: String(asked) }));
    void h.sender({ faultPoint: (point) => (point === 'after-send' ? dies() : undefined) })(job);
    await h.telegram.waitFor(() => h.telegram.sentTo(51).length === 1);
    expect(await h.markers.get('w1-reply', 0)).toBe('sending');

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(51)).toEqual(['the answer']);
    const delivered = h.telegram.sentTo(51)[0]!.messageId;
    expect(await h.markers.read('w1-reply', 0)).toEqual({ state: 'sent', messageId: delivered });
    // Resolved by one probe of the id after the user's message, which changed nothing.
    expect(h.telegram.calls('editMessageText').map((c) => c.params.message_id)).toEqual([delivered]);
    expect(h.telegram.edits()).toEqual([]);
  });

  it('resolves a reply in doubt although the user wrote many more messages before it went out', async () => {
    const asked = h.userMessage(57, 'question');
    // The user keeps writing while the reply waits (a backlog after a restart): the poller notes each id.
    for (let n = 0; n < 15; n += 1) await h.markers.noteSeen('telegram:57', h.userMessage(57, `more ${n}`));
    const job = await h.job(reply('w7-reply', 57, 'the late answer', { replyToMessageId: String(asked) }));
    void h.sender({ faultPoint: (point) => (point === 'after-send' ? dies() : undefined) })(job);
    await h.telegram.waitFor(() => texts(57).length === 1);
    for (let n = 0; n < 15; n += 1) await h.markers.noteSeen('telegram:57', h.userMessage(57, `after ${n}`));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(57)).toEqual(['the late answer']);
    expect(await h.markers.read('w7-reply', 0)).toEqual({ state: 'sent', messageId: h.telegram.sentTo(57)[0]!.messageId });
    // The probe started above the newest message the channel had received, not at the question.
    expect(h.telegram.calls('editMessageText')).toHaveLength(1);
  });

  it('sends a reply once when the process dies after marking it, before the request', async () => {
    const asked = h.userMessage(52, 'question');
    const job = await h.job(reply('w2-reply', 52, 'not sent yet', { replyToMessageId: String(asked) }));
    let died = false;
    void h.sender({ faultPoint: (point) => (point === 'after-mark' ? ((died = true), dies()) : undefined) })(job);
    await h.telegram.waitFor(() => died);

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(52)).toEqual(['not sent yet']);
    expect(await h.markers.get('w2-reply', 0)).toBe('sent');
  });

  it('does not send again, nor park, a chunk whose connection was reset after Telegram delivered it', async () => {
    const asked = h.userMessage(53, 'question');
    h.telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    const job = await h.job(reply('w3-reply', 53, 'delivered, answer lost', { replyToMessageId: String(asked) }));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(53)).toEqual(['delivered, answer lost']);
    expect(h.telegram.calls('sendMessage')).toHaveLength(1);
    expect(h.holds).toEqual(['outage']);
  });

  it('does not send again, nor park, a chunk answered with a 502 after Telegram delivered it', async () => {
    const asked = h.userMessage(54, 'question');
    h.telegram.setFault('sendMessage', { kind: 'statusAfterEffect', status: 502, times: 1 });
    const job = await h.job(reply('w4-reply', 54, 'delivered despite the 502', { replyToMessageId: String(asked) }));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(54)).toEqual(['delivered despite the 502']);
    expect(h.telegram.calls('sendMessage')).toHaveLength(1);
  });

  it('sends once a chunk whose connection was reset before Telegram carried it out', async () => {
    const asked = h.userMessage(55, 'question');
    h.telegram.setFault('sendMessage', { kind: 'reset', times: 1 });
    const job = await h.job(reply('w5-reply', 55, 'reset, then sent', { replyToMessageId: String(asked) }));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(55)).toEqual(['reset, then sent']);
    expect(h.telegram.calls('sendMessage')).toHaveLength(2);
    expect(h.logs.some((l) => l.level === 'error')).toBe(false);
  });

  it('sends once a chunk refused with a 502 that delivered nothing', async () => {
    const asked = h.userMessage(56, 'question');
    h.telegram.setFault('sendMessage', { kind: 'status', status: 502, times: 1 });
    const job = await h.job(reply('w6-reply', 56, 'after the 502', { replyToMessageId: String(asked) }));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(56)).toEqual(['after the 502']);
  });

  it('waits out Telegram being down while it checks, then resolves the chunk', async () => {
    const asked = h.userMessage(57, 'question');
    h.telegram.setFault('sendMessage', { kind: 'statusAfterEffect', status: 502, times: 1 });
    h.telegram.setFault('editMessageText', { kind: 'status', status: 503, times: 3 });
    const job = await h.job(reply('w7-reply', 57, 'checked after the outage', { replyToMessageId: String(asked) }));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(57)).toEqual(['checked after the outage']);
    expect(h.holds).toEqual(['outage', 'outage', 'outage', 'outage']);
  });

  it('puts a 429 back for its retry_after and sends without probing: it proves nothing was sent', async () => {
    h.telegram.setFault('sendMessage', { kind: 'retryAfter', seconds: 1, times: 1 });
    const job = await h.job(reply('w8-reply', 58, 'after the rate limit'));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(58)).toEqual(['after the rate limit']);
    expect(h.holds).toEqual(['rate-limit']);
    expect(h.telegram.calls('editMessageText')).toEqual([]);
  });

  it('sends blindly again after a connection refused: the request never left', async () => {
    await h.telegram.close();
    const job = await h.job(reply('w9-reply', 59, 'refused'));
    await expect(h.sender()(job)).rejects.toBeInstanceOf(RateLimitError);
    expect(h.holds).toEqual(['outage']);
    // Unmarked: the next run sends it without asking Telegram first.
    expect(await h.markers.read('w9-reply', 0)).toBeNull();
  });

  it('logs a refused sent-marker write as Redis trouble, puts the reply back, and sends it once when Redis takes writes again', async () => {
    const asked = h.userMessage(60, 'question');
    const job = await h.job(reply('w10-reply', 60, 'marked after the OOM', { replyToMessageId: String(asked) }));
    // Redis full under noeviction between Telegram's answer and the `sent` marker.
    const full = h.sender({ faultPoint: async (point) => (point === 'after-send' ? void (await h.client.config('SET', 'maxmemory', '1')) : undefined) });
    try {
      await expect(full(job)).rejects.toBeInstanceOf(RateLimitError);
    } finally {
      await h.client.config('SET', 'maxmemory', '0');
    }
    expect(h.logs.filter((l) => /reply put back/.test(l.msg)).map((l) => [l.msg, l.redis, l.trouble])).toEqual([['redis unavailable, reply put back', 'full', 'Redis full']]);
    expect(h.logs.some((l) => /telegram unavailable/.test(l.msg))).toBe(false);
    expect(h.holds).toEqual(['outage']);
    expect(await h.markers.get('w10-reply', 0)).toBe('sending');
    expect(texts(60)).toEqual(['marked after the OOM']);

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(texts(60)).toEqual(['marked after the OOM']);
    expect(await h.markers.get('w10-reply', 0)).toBe('sent');
  });
});
