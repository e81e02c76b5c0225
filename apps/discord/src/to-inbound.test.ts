import { describe, expect, it } from 'vitest';
import { isAllowed, seqOf, toInbound, type DiscordMessage, type InboundPolicy } from './to-inbound.js';

const bot = '111111111111111111';
const policy: InboundPolicy = { allowFrom: ['222222222222222222'], allowChannels: [], groupPolicy: 'mention' };
const dm = (over: Partial<DiscordMessage> = {}): DiscordMessage => ({
  id: '1300000000000000001', channel_id: '555', author: { id: '222222222222222222', username: 'ann' }, content: 'hello', type: 0, ...over,
});

describe('toInbound', () => {
  it('takes a DM from an allowed user, with the message id as job id and reply target', () => {
    const verdict = toInbound(dm(), bot, policy, 1);
    expect(verdict.kind).toBe('accept');
    if (verdict.kind !== 'accept') return;
    expect(verdict.message).toMatchObject({ id: 'dc-1300000000000000001', chatId: '555', sessionKey: 'discord:555', sourceMessageId: '1300000000000000001', kind: 'message', text: 'hello' });
  });

  it('ignores strangers, its own messages and system messages', () => {
    expect(toInbound(dm({ author: { id: '9', username: 'eve' } }), bot, policy, 1)).toEqual({ kind: 'ignore', reason: 'sender not in allowFrom' });
    expect(toInbound(dm({ author: { id: bot } }), bot, policy, 1).kind).toBe('ignore');
    expect(toInbound(dm({ type: 7 }), bot, policy, 1)).toEqual({ kind: 'ignore', reason: 'system message' });
  });

  it('answers in a guild channel only when mentioned (groupPolicy mention), without the mention in the text', () => {
    expect(toInbound(dm({ guild_id: '1' }), bot, policy, 1)).toEqual({ kind: 'ignore', reason: 'guild message without mention' });
    const verdict = toInbound(dm({ guild_id: '1', content: `<@${bot}> what time is it`, mentions: [{ id: bot }] }), bot, policy, 1);
    expect(verdict.kind === 'accept' && verdict.message.kind === 'message' && verdict.message.text).toBe('what time is it');
    expect(toInbound(dm({ guild_id: '1' }), bot, { ...policy, groupPolicy: 'open' }, 1).kind).toBe('accept');
    expect(toInbound(dm({ guild_id: '1', content: `<@!${bot}> hi` }), bot, { ...policy, allowChannels: ['777'] }, 1).kind).toBe('ignore');
  });

  it('reads commands and keeps snowflake order in seq', () => {
    const verdict = toInbound(dm({ content: '/new' }), bot, policy, 1);
    expect(verdict.kind === 'accept' && verdict.message.kind).toBe('command');
    expect(seqOf('1300000000000000002')).toBeGreaterThan(seqOf('1300000000000000001'));
    expect(Number.isSafeInteger(seqOf('1900000000000000000'))).toBe(true);
  });

  it('allowFrom: * for all, ids or usernames, empty for none', () => {
    expect(isAllowed(['*'], { id: '1' })).toBe(true);
    expect(isAllowed(['ann'], { id: '1', username: 'ann' })).toBe(true);
    expect(isAllowed([], { id: '1' })).toBe(false);
  });
});
