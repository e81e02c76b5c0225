import { describe, expect, it } from 'vitest';
import type { MessageFrame } from './bridge-frames.js';
import { isAllowed, toInbound } from './to-inbound.js';

const frame = (over: Partial<MessageFrame> = {}): MessageFrame => ({
  type: 'message', id: 'ABC', sender: '4915112345678@s.whatsapp.net', pn: '4915112345678@s.whatsapp.net',
  content: 'hello', timestamp: 1_700_000_000, isGroup: false, deliveryId: '4915112345678@s.whatsapp.net/ABC', seq: 7, ...over,
});
const open = { allowFrom: ['*'], groupPolicy: 'mention' as const };

describe('allowFrom for WhatsApp', () => {
  it('denies everyone when empty and allows everyone with *', () => {
    expect(isAllowed([], frame())).toBe(false);
    expect(isAllowed(['*'], frame())).toBe(true);
  });

  it('matches a phone number written with +, spaces or dashes, or the full JID', () => {
    expect(isAllowed(['+49 151-12345678'], frame())).toBe(true);
    expect(isAllowed(['4915112345678'], frame())).toBe(true);
    expect(isAllowed(['4915112345678@s.whatsapp.net'], frame())).toBe(true);
    expect(isAllowed(['4915100000000'], frame())).toBe(false);
  });

  it('matches the author of a group message, not the group', () => {
    const group = frame({ sender: '12036@g.us', pn: '4917700000000@s.whatsapp.net', participant: '4917700000000@s.whatsapp.net', isGroup: true });
    expect(isAllowed(['4917700000000'], group)).toBe(true);
    expect(isAllowed(['12036@g.us'], group)).toBe(false);
  });

  it('matches a LID sender by its JID and an id|name entry by either part', () => {
    const lid = frame({ sender: '123456789012345@lid', pn: '4915112345678@s.whatsapp.net' });
    expect(isAllowed(['123456789012345@lid'], lid)).toBe(true);
    expect(isAllowed(['4915112345678|alice'], lid)).toBe(true);
  });
});

describe('toInbound for WhatsApp', () => {
  it('builds a message with a job id from chat and message id and the chat as session', () => {
    const verdict = toInbound(frame(), open, 1);
    expect(verdict).toMatchObject({
      kind: 'accept',
      message: {
        kind: 'message', id: 'wa-4915112345678@s.whatsapp.net/ABC', channel: 'whatsapp', chatId: '4915112345678@s.whatsapp.net',
        sessionKey: 'whatsapp:4915112345678@s.whatsapp.net', text: 'hello', sourceMessageId: 'ABC', seq: 1_700_000_000_000_007,
      },
    });
  });

  it('derives the id from sender and message id for a bridge without delivery ids', () => {
    const verdict = toInbound(frame({ deliveryId: undefined, seq: undefined }), open, 1);
    expect(verdict.kind === 'accept' && verdict.message.id).toBe('wa-4915112345678@s.whatsapp.net/ABC');
  });

  it('ignores group messages without a mention under the mention policy, but not commands', () => {
    const group = { sender: '12036@g.us', participant: '4917700000000@s.whatsapp.net', isGroup: true };
    expect(toInbound(frame({ ...group, wasMentioned: false }), open, 1)).toEqual({ kind: 'ignore', reason: 'group message without mention' });
    expect(toInbound(frame({ ...group, wasMentioned: true }), open, 1).kind).toBe('accept');
    expect(toInbound(frame({ ...group, wasMentioned: false }), { ...open, groupPolicy: 'open' }, 1).kind).toBe('accept');
    expect(toInbound(frame({ ...group, content: '/new' }), open, 1)).toMatchObject({ message: { kind: 'command', command: 'new' } });
  });

  it('turns /stop into a command and carries media paths beside the text', () => {
    expect(toInbound(frame({ content: '/stop' }), open, 1)).toMatchObject({ message: { kind: 'command', command: 'stop', args: '' } });
    expect(toInbound(frame({ content: '/model fast' }), open, 1)).toMatchObject({ message: { kind: 'command', command: 'model', args: 'fast' } });
    expect(toInbound(frame({ content: '/history 3' }), open, 1)).toMatchObject({ message: { kind: 'command', command: 'history', args: '3' } });
    expect(toInbound(frame({ content: '/restart' }), open, 1)).toMatchObject({ message: { kind: 'command', command: 'restart' } });
    expect(toInbound(frame({ content: 'see', media: ['/m/a.jpg'] }), open, 1)).toMatchObject({
      message: { text: 'see', media: ['/m/a.jpg'] },
    });
  });

  it('leaves a direct message from a sender outside allowFrom to pairing, and ignores one in a group', () => {
    expect(toInbound(frame(), { ...open, allowFrom: ['4900000'] }, 1)).toEqual({
      kind: 'stranger',
      id: 'wa-4915112345678@s.whatsapp.net/ABC',
      chatId: '4915112345678@s.whatsapp.net',
      sender: '4915112345678',
    });
    const inGroup = frame({ isGroup: true, sender: '1203@g.us', participant: '4915112345678@s.whatsapp.net', wasMentioned: true });
    expect(toInbound(inGroup, { ...open, allowFrom: ['4900000'] }, 1)).toEqual({ kind: 'ignore', reason: 'sender not in allowFrom' });
    // Approved later: the bare number as an extra allowFrom entry lets the same frame in.
    expect(toInbound(frame(), { ...open, allowFrom: ['4900000', '4915112345678'] }, 1)).toMatchObject({ kind: 'accept' });
  });
});
