import { describe, expect, it } from 'vitest';
import { seqOf, sourceIdOf, toInbound, type InboundPolicy } from './to-inbound.js';

const policy: InboundPolicy = {
  allowFrom: ['U1'], groupPolicy: 'mention', groupAllowFrom: [], groupRequireMention: false,
  dm: { enabled: true, policy: 'open', allowFrom: [] }, replyInThread: true,
};
const bot = 'UBOT';
const dm = { type: 'message', channel: 'D1', channel_type: 'im', user: 'U1', text: 'hello', ts: '1700000000.000100' };
const inChannel = { type: 'message', channel: 'C1', channel_type: 'channel', user: 'U1', text: `<@${bot}> hi there`, ts: '1700000001.000200' };

describe('toInbound', () => {
  it('accepts a DM from an allowed user, flat (no thread), one session per DM', () => {
    const verdict = toInbound(dm, policy, bot, 5);
    expect(verdict).toMatchObject({ kind: 'accept', message: { id: 'slack-D1-1700000000.000100', chatId: 'D1', sessionKey: 'slack:D1', kind: 'message', text: 'hello', seq: 1700000000000100 } });
    expect(verdict.kind === 'accept' && verdict.message.threadId).toBeUndefined();
  });

  it('ignores a stranger, bots, our own messages and edits', () => {
    expect(toInbound({ ...dm, user: 'U9' }, policy, bot, 5)).toEqual({ kind: 'ignore', reason: 'sender not in allowFrom' });
    expect(toInbound({ ...dm, user: bot }, policy, bot, 5).kind).toBe('ignore');
    expect(toInbound({ ...dm, bot_id: 'B1' }, policy, bot, 5).kind).toBe('ignore');
    expect(toInbound({ ...dm, subtype: 'message_changed' }, policy, bot, 5).kind).toBe('ignore');
    expect(toInbound(dm, { ...policy, allowFrom: [] }, bot, 5).kind).toBe('ignore');
    expect(toInbound(dm, { ...policy, allowFrom: ['*'] }, bot, 5).kind).toBe('accept');
  });

  it('answers a channel mention in a thread of its own (replyInThread), the mention stripped', () => {
    const verdict = toInbound(inChannel, policy, bot, 5);
    expect(verdict).toMatchObject({ kind: 'accept', message: { text: 'hi there', threadId: '1700000001.000200', sessionKey: 'slack:C1:1700000001.000200' } });
    // The app_mention event of the same message has the same job id: the second add is dropped.
    const mention = toInbound({ ...inChannel, type: 'app_mention' }, policy, bot, 5);
    expect(mention.kind === 'accept' && mention.message.id).toBe(sourceIdOf('C1', inChannel.ts));
  });

  it('applies groupPolicy to channel messages', () => {
    const plain = { ...inChannel, text: 'no mention' };
    expect(toInbound(plain, policy, bot, 5)).toEqual({ kind: 'ignore', reason: 'channel message without mention' });
    expect(toInbound(plain, { ...policy, groupPolicy: 'open' }, bot, 5).kind).toBe('accept');
    expect(toInbound(plain, { ...policy, groupPolicy: 'allowlist', groupAllowFrom: ['C1'] }, bot, 5).kind).toBe('accept');
    expect(toInbound(plain, { ...policy, groupPolicy: 'allowlist', groupAllowFrom: ['C2'] }, bot, 5).kind).toBe('ignore');
    expect(toInbound(plain, { ...policy, groupPolicy: 'allowlist', groupAllowFrom: ['C1'], groupRequireMention: true }, bot, 5).kind).toBe('ignore');
  });

  it('keeps a message inside a thread in that thread, and replies flat in channels without replyInThread', () => {
    const inThread = toInbound({ ...inChannel, thread_ts: '1699999999.000001' }, policy, bot, 5);
    expect(inThread.kind === 'accept' && inThread.message.threadId).toBe('1699999999.000001');
    const flat = toInbound(inChannel, { ...policy, replyInThread: false }, bot, 5);
    expect(flat.kind === 'accept' && flat.message.threadId).toBeUndefined();
  });

  it('applies dm.enabled and dm.policy allowlist', () => {
    expect(toInbound(dm, { ...policy, dm: { enabled: false, policy: 'open', allowFrom: [] } }, bot, 5).kind).toBe('ignore');
    expect(toInbound(dm, { ...policy, dm: { enabled: true, policy: 'allowlist', allowFrom: ['U2'] } }, bot, 5).kind).toBe('ignore');
    expect(toInbound(dm, { ...policy, dm: { enabled: true, policy: 'allowlist', allowFrom: ['U1'] } }, bot, 5).kind).toBe('accept');
  });

  it('reads commands and notes files', () => {
    expect(toInbound({ ...dm, text: '/new' }, policy, bot, 5)).toMatchObject({ kind: 'accept', message: { kind: 'command', command: 'new' } });
    const withFile = toInbound({ ...dm, subtype: 'file_share', text: 'see', files: [{ name: 'a.png', mimetype: 'image/png' }] }, policy, bot, 5);
    expect(withFile).toMatchObject({ kind: 'accept', message: { text: 'see\n[file: a.png (image/png)]' } });
  });

  it('orders by ts', () => {
    expect(seqOf('1700000000.000100')).toBeLessThan(seqOf('1700000000.000101'));
    expect(seqOf('1700000000.999999')).toBeLessThan(seqOf('1700000001.000000'));
  });
});
