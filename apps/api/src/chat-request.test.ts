import { describe, expect, it } from 'vitest';
import { parseChatRequest } from './chat-request.js';
import { toPieces } from './openai-shapes.js';

describe('parseChatRequest', () => {
  it('takes one user message, with the session from session_id, else user, else default', () => {
    expect(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).toEqual({ ok: true, request: { text: 'hi', stream: false, session: 'default', model: 'm' } });
    expect(parseChatRequest({ messages: [{ role: 'user', content: 'hi' }], user: 'alice', stream: true })).toMatchObject({ ok: true, request: { session: 'alice', stream: true } });
    expect(parseChatRequest({ messages: [{ role: 'user', content: 'hi' }], user: 'alice', session_id: 's1' })).toMatchObject({ ok: true, request: { session: 's1' } });
    expect(parseChatRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] })).toMatchObject({ ok: true, request: { text: 'a b' } });
  });

  it('refuses what nanobot refuses, naming the field', () => {
    expect(parseChatRequest({ messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'hi' }] })).toMatchObject({ ok: false, param: 'messages' });
    expect(parseChatRequest({ messages: [] })).toMatchObject({ ok: false, param: 'messages' });
    expect(parseChatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:' } }] }] })).toMatchObject({ ok: false, param: 'messages.0.content' });
    expect(parseChatRequest({ messages: [{ role: 'user', content: '  ' }] })).toMatchObject({ ok: false });
    expect(parseChatRequest({ messages: [{ role: 'user', content: 'hi' }], user: '../etc' })).toMatchObject({ ok: false, param: 'user' });
    expect(parseChatRequest({})).toMatchObject({ ok: false, param: 'messages' });
  });
});

describe('toPieces', () => {
  it('cuts at spaces and loses nothing', () => {
    const text = 'word '.repeat(100).trim();
    const pieces = toPieces(text, 30);
    expect(pieces.join('')).toBe(text);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(30);
    expect(toPieces('')).toEqual([]);
  });
});

describe('toCommand', () => {
  it('turns the agent\'s chat commands into commands and leaves other text alone', async () => {
    const { toCommand } = await import('./create-api-server.js');
    expect(toCommand('/history 5')).toEqual({ command: 'history', args: '5' });
    expect(toCommand(' /NEW ')).toEqual({ command: 'new', args: '' });
    expect(toCommand('/weather Paris')).toBeUndefined();
    expect(toCommand('what does /new do?')).toBeUndefined();
  });
});
