import { describe, expect, it } from 'vitest';
import { createLogger } from '@nanobot/log';
import { createApp, type Ask } from './create-app.js';

const log = createLogger({ name: 'test', level: 'silent' });
const post = (body: unknown, headers: Record<string, string> = {}) =>
  new Request('http://127.0.0.1:8900/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', host: '127.0.0.1:8900', ...headers }, body: JSON.stringify(body) });
const hello = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('the API routes', () => {
  it('keeps a slow streamed answer alive with SSE comments, then sends it in chunks and [DONE]', async () => {
    const ask: Ask = () => new Promise((resolve) => setTimeout(() => resolve('slow answer'), 80));
    const app = createApp({ apiKey: '', model: 'm', ask, log, keepAliveMs: 10 });
    const response = await app.fetch(post({ ...hello, stream: true }));
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await response.text();
    expect(text).toContain(': working');
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: Array<{ delta: { content?: string; role?: string }; finish_reason: string | null }> });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('slow answer');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('refuses what it must, with OpenAI\'s error body', async () => {
    const asked: string[] = [];
    const ask: Ask = async ({ text }) => {
      asked.push(text);
      return 'ok';
    };
    const open = createApp({ apiKey: '', model: 'm', ask, log });
    expect((await open.fetch(post(hello, { 'content-type': 'text/plain' }))).status).toBe(415);
    expect((await open.fetch(post(hello, { host: 'evil.example:8900' }))).status).toBe(403);
    expect((await open.fetch(post({ ...hello, model: 'other' }))).status).toBe(400);
    const badJson = await open.fetch(new Request('http://127.0.0.1:8900/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', host: '127.0.0.1' }, body: '{' }));
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { message: 'Invalid JSON body', type: 'invalid_request_error' } });
    const keyed = createApp({ apiKey: 'k', model: 'm', ask, log });
    expect((await keyed.fetch(post(hello))).status).toBe(401);
    expect((await keyed.fetch(post(hello, { authorization: 'Bearer nope' }))).status).toBe(401);
    expect((await keyed.fetch(post(hello, { authorization: 'Bearer k' }))).status).toBe(200);
    expect((await keyed.fetch(new Request('http://127.0.0.1:8900/health'))).status).toBe(200);
    expect(asked).toEqual(['hi']);
  });
});
