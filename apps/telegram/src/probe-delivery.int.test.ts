import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dies, reply, startSenderHarness, type SenderHarness } from './sender-harness.test-helper.js';

/** How the sender resolves a chunk in doubt, against the fake Bot API's real editMessageText answers. */
describe('resolving a reply in doubt with editMessageText probes', () => {
  let h: SenderHarness;
  beforeAll(async () => {
    h = await startSenderHarness();
  });
  afterAll(async () => h.close());
  beforeEach(async () => h.reset());

  const probedIds = () => h.telegram.calls('editMessageText').map((c) => Number(c.params.message_id));
  const errors = () => h.logs.filter((l) => l.level === 'error').map((l) => l.msg);

  it('finds the reply behind other members\' messages in a group, probing past them', async () => {
    const group = -4001;
    const asked = h.userMessage(group, 'bot, a question', { chatType: 'group', fromId: 7001 });
    h.userMessage(group, 'chatter', { chatType: 'group', fromId: 7002 });
    h.userMessage(group, 'more chatter', { chatType: 'group', fromId: 7003 });
    h.telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    const job = await h.job(reply('g1-reply', group, 'the answer', { replyToMessageId: String(asked) }));
    const first = h.runToEnd(h.sender(), job);

    expect(await first).toBe('done');
    expect(h.telegram.sentTo(group).map((m) => m.text)).toEqual(['the answer']);
    const delivered = h.telegram.sentTo(group)[0]!.messageId;
    expect(probedIds()).toEqual([asked + 1, asked + 2, delivered]);
    expect(h.telegram.edits()).toEqual([]);
  });

  it('probes with the plain text that was sent after Telegram refused the HTML', async () => {
    const asked = h.userMessage(61, 'question');
    h.telegram.setFault('sendMessage', { kind: 'status', status: 400, description: "Bad Request: can't parse entities: unsupported start tag", times: 1 });
    h.telegram.setFault('*', { kind: 'lostResponse', times: 1 });
    const job = await h.job(reply('h1-reply', 61, 'some **bold** text', { format: 'markdown', replyToMessageId: String(asked) }));

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    const [refused, plain] = h.telegram.calls('sendMessage');
    expect(refused?.params.parse_mode).toBe('HTML');
    expect(plain?.params.parse_mode).toBeUndefined();
    expect(h.telegram.sentTo(61)).toHaveLength(1);
    const probes = h.telegram.calls('editMessageText');
    expect(probes).toHaveLength(1);
    expect(probes[0]?.params).toMatchObject({ text: plain?.params.text, message_id: h.telegram.sentTo(61)[0]!.messageId });
    expect(probes[0]?.params.parse_mode).toBeUndefined();
  });

  it('looks for a later chunk only after its reply\'s earlier chunk', async () => {
    const asked = h.userMessage(62, 'a long question');
    const text = `${'a'.repeat(3_990)}\n\n${'b'.repeat(100)}`;
    const job = await h.job(reply('c1-reply', 62, text, { replyToMessageId: String(asked) }));
    let sends = 0;
    void h.sender({ faultPoint: (point) => (point === 'after-send' && (sends += 1) === 2 ? dies() : undefined) })(job);
    await h.telegram.waitFor(() => h.telegram.sentTo(62).length === 2);
    h.userMessage(62, 'meanwhile');

    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    const [chunk0, chunk1] = h.telegram.sentTo(62).map((m) => m.messageId);
    expect(h.telegram.sentTo(62)).toHaveLength(2);
    expect(probedIds()).toEqual([chunk1]);
    expect(chunk0).toBe(asked + 1);
  });

  it('parks the reply as uncertain, with an error line, when no message id of the chat is known', async () => {
    h.telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    const job = await h.job(reply('u1-reply', 63, 'a reminder out of the blue'));

    const outcome = await h.runToEnd(h.sender(), job);
    expect(outcome).toBeInstanceOf(UnrecoverableError);
    expect(String(outcome)).toContain('no message id of this chat is known');
    expect(await h.markers.get('u1-reply', 0)).toBe('uncertain');
    expect(errors()).toEqual(['reply delivery uncertain, not resending']);
    expect(h.telegram.sentTo(63)).toHaveLength(1);
  });

  it('gives up after its bound of probes in a busy group and parks the reply as uncertain', async () => {
    const group = -4002;
    const asked = h.userMessage(group, 'question', { chatType: 'group', fromId: 7001 });
    for (let i = 0; i < 4; i += 1) h.userMessage(group, `chatter ${i}`, { chatType: 'group', fromId: 7100 + i });
    h.telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    const job = await h.job(reply('b1-reply', group, 'lost in the crowd', { replyToMessageId: String(asked) }));

    const outcome = await h.runToEnd(h.sender({ probeBounds: { maxCalls: 3 } }), job);
    expect(String(outcome)).toContain('none of 3 messages after');
    expect(probedIds()).toEqual([asked + 1, asked + 2, asked + 3]);
    expect(await h.markers.get('b1-reply', 0)).toBe('uncertain');
    expect(h.telegram.sentTo(group)).toHaveLength(1);
  });

  it('keeps a reply unresolved, not guessed, when Telegram stays down through the whole put-back budget', async () => {
    const asked = h.userMessage(64, 'question');
    h.telegram.setFault('sendMessage', { kind: 'statusAfterEffect', status: 502, times: 1 });
    h.telegram.setFault('editMessageText', { kind: 'status', status: 502 });
    const job = await h.job(reply('d1-reply', 64, 'while down', { replyToMessageId: String(asked) }));

    const outcome = await h.runToEnd(h.sender({ maxPutBacks: 3 }), job);
    expect(String(outcome)).toContain('unresolved');
    expect(errors()).toEqual(['reply delivery uncertain, telegram unavailable while checking']);
    // Still `sending`: a replay asks Telegram again instead of sending a second copy.
    expect(await h.markers.get('d1-reply', 0)).toBe('sending');
    h.telegram.clearFaults();
    expect(await h.runToEnd(h.sender(), job)).toBe('done');
    expect(h.telegram.sentTo(64)).toHaveLength(1);
    expect((await h.markers.chat('telegram:64')).unresolved).toEqual([]);
  });

  it('does not probe where another unresolved reply of the chat may sit', async () => {
    const asked = h.userMessage(65, 'question');
    h.telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    h.telegram.setFault('editMessageText', { kind: 'status', status: 502 });
    const parked = await h.job(reply('p1-reply', 65, 'first, unresolved', { replyToMessageId: String(asked) }));
    expect(String(await h.runToEnd(h.sender({ maxPutBacks: 1 }), parked))).toContain('unresolved');
    h.telegram.clearFaults();
    const next = h.userMessage(65, 'next question');
    h.telegram.setFault('sendMessage', { kind: 'lostResponse', times: 1 });
    // The unresolved reply may have been delivered after `next` arrived: a probe could edit it.
    const job = await h.job(reply('p2-reply', 65, 'second', { replyToMessageId: String(next) }));

    const outcome = await h.runToEnd(h.sender(), job);
    expect(String(outcome)).toContain('p1-reply:0 of this chat is unresolved');
    expect(h.telegram.calls('editMessageText').filter((c) => c.status !== 502)).toEqual([]);
    expect(await h.markers.get('p2-reply', 0)).toBe('uncertain');
  });
});
