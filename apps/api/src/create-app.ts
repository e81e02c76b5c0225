import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import { isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { parseChatRequest } from './chat-request.js';
import { newCompletionId, toChunk, toCompletion, toErrorBody, toPieces } from './openai-shapes.js';

export type Ask = (request: { session: string; text: string }, signal: AbortSignal) => Promise<string>;

export type ApiAppOptions = {
  /** Empty: no key (loopback only, checked at start). */
  apiKey: string;
  /** The model `/v1/models` lists and completions name. */
  model: string;
  ask: Ask;
  log: Logger;
  /** SSE comment sent while a streamed answer is being worked on (default 15 s). */
  keepAliveMs?: number;
};

const digest = (text: string) => createHash('sha256').update(text).digest();

/** A name this machine's loopback answers to (a page that rebinds its domain to 127.0.0.1 has another). */
function isLoopbackName(hostHeader: string): boolean {
  const name = hostHeader.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * With `api.apiKey`, every route but /health needs `Authorization: Bearer <key>` (nanobot's
 * rule). Without one the server is on loopback, and only loopback Host names are served.
 */
function createAccess(apiKey: string): MiddlewareHandler {
  const expected = apiKey === '' ? null : digest(apiKey);
  return async (c, next) => {
    if (c.req.path === '/health') return next();
    if (expected === null) {
      if (!isLoopbackName(c.req.header('host') ?? '')) return c.json(toErrorBody('this API answers to loopback names only (127.0.0.1, localhost)', 'invalid_request_error', 'forbidden'), 403);
      return next();
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    if (bearer === undefined) return c.json(toErrorBody('Missing Authorization header. Use: Bearer <api_key>', 'invalid_request_error', 'invalid_api_key'), 401);
    if (!timingSafeEqual(digest(bearer), expected)) return c.json(toErrorBody('Invalid API key', 'invalid_request_error', 'invalid_api_key'), 401);
    return next();
  };
}

function failure(err: unknown): { status: 500 | 503 | 504; body: ReturnType<typeof toErrorBody> } {
  if (isAppError(err, 'LLM_UNAVAILABLE') && err.details?.timeout === true) return { status: 504, body: toErrorBody(err.message, 'server_error', 'timeout') };
  if (isAppError(err, 'LLM_UNAVAILABLE') && err.details?.noAgent === true) return { status: 503, body: toErrorBody(err.message, 'server_error', 'unavailable') };
  if (isAppError(err, 'BUS_UNAVAILABLE')) return { status: 503, body: toErrorBody('nanobot cannot queue the message right now (Redis unreachable)', 'server_error', 'unavailable') };
  return { status: 500, body: toErrorBody('Internal server error', 'server_error') };
}

/** nanobot's OpenAI-compatible endpoints: /health, /v1/models, /v1/chat/completions (plain and SSE). */
export function createApp(options: ApiAppOptions): Hono {
  const app = new Hono();
  app.use(createAccess(options.apiKey));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: options.model, object: 'model', created: 0, owned_by: 'nanobot' }] }));

  app.post('/v1/chat/completions', async (c: Context) => {
    // JSON only: a cross-site form or text/plain post (no CORS preflight) is refused.
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      return c.json(toErrorBody('Content-Type must be application/json', 'invalid_request_error'), 415);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(toErrorBody('Invalid JSON body', 'invalid_request_error'), 400);
    }
    const parsed = parseChatRequest(body);
    if (!parsed.ok) return c.json(toErrorBody(parsed.message, 'invalid_request_error', null, parsed.param), 400);
    const { request } = parsed;
    if (request.model !== undefined && request.model !== options.model) {
      return c.json(toErrorBody(`Only the configured model '${options.model}' is available`, 'invalid_request_error', 'model_not_found', 'model'), 400);
    }
    const id = newCompletionId();
    const created = Math.floor(Date.now() / 1000);
    const signal = c.req.raw.signal;
    if (!request.stream) {
      try {
        const content = await options.ask({ session: request.session, text: request.text }, signal);
        return c.json(toCompletion({ id, model: options.model, content, created }));
      } catch (err) {
        const { status, body: errorBody } = failure(err);
        if (status === 500) options.log.error({ err }, 'api request failed');
        return c.json(errorBody, status);
      }
    }
    return streamSSE(c, async (stream) => {
      const chunk = (delta: Record<string, string>, finish: 'stop' | null) => stream.writeSSE({ data: toChunk({ id, model: options.model, created, delta, finish }) });
      await chunk({ role: 'assistant', content: '' }, null);
      const keepAlive = setInterval(() => void stream.write(': working\n\n'), options.keepAliveMs ?? 15_000);
      let content: string;
      try {
        content = await options.ask({ session: request.session, text: request.text }, signal);
      } catch (err) {
        const { status, body: errorBody } = failure(err);
        if (status === 500) options.log.error({ err }, 'api request failed');
        await stream.writeSSE({ data: JSON.stringify(errorBody) });
        return;
      } finally {
        clearInterval(keepAlive);
      }
      for (const piece of toPieces(content)) await chunk({ content: piece }, null);
      await chunk({}, 'stop');
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  app.notFound((c) => c.json(toErrorBody(`Unknown route ${c.req.method} ${c.req.path}`, 'invalid_request_error', 'not_found'), 404));
  return app;
}
