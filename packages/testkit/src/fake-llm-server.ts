import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAnthropicRequest, toAnthropicError, toAnthropicMessage } from './fake-llm-anthropic.js';
import type { PromptCache } from './fake-llm-cache.js';
import { toCompletion, toOpenAiError } from './fake-llm-openai.js';
import { paceWholeReply, writeAnthropicStream, writePacedCompletionStream } from './fake-llm-streams.js';
import { resolveReply } from './fake-llm-replies.js';
import { checkResponsesRequest, toResponse } from './fake-llm-responses.js';
import type { FakeReply, LlmApi, LlmFault, LlmRequest } from './fake-llm-types.js';

type Api = LlmApi;

export type LlmServerDeps = {
  record(request: LlmRequest): void;
  knownModels(): string[];
  latencyMs(): number;
  takeFault(model: string): LlmFault | undefined;
  nextReply(request: LlmRequest): Promise<FakeReply>;
  /** Aborted by close(): pending latency ends and nothing more is answered. */
  closing: AbortSignal;
  /** Pause between the pieces of a streamed reply. */
  chunkDelayMs(): number;
  /** A streamed reply wrote its first piece of content. */
  onFirstChunk(): void;
  /** Set with the `promptCache` option. */
  promptCache?: PromptCache;
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Malformed on purpose in some tests: recorded as null and answered with a 400.
    return null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  // A fault may name any number; Node only writes real HTTP statuses.
  const code = status >= 100 && status <= 599 ? status : 500;
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const errorBody = (api: Api, status: number, message: string): unknown => (api === 'anthropic' ? toAnthropicError(status, message) : toOpenAiError(status, message));

function writeError(res: ServerResponse, api: Api, status: number, message: string): void {
  writeJson(res, status, errorBody(api, status, message));
}

function toHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Why the body cannot be served, in the API's own words; `undefined` when it can. */
function checkBody(api: Api, req: IncomingMessage, body: unknown): { status: number; message: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { status: 400, message: 'We could not parse the JSON body of your request.' };
  }
  if (api === 'anthropic') return checkAnthropicRequest(req.headers, body);
  if (api === 'responses') return checkResponsesRequest(body as Record<string, unknown>);
  const fields = body as { model?: unknown; messages?: unknown };
  if (api !== 'azure' && (typeof fields.model !== 'string' || fields.model === '')) return { status: 400, message: 'you must provide a model parameter' };
  if (!Array.isArray(fields.messages)) return { status: 400, message: "'messages' is a required property" };
  return undefined;
}

/** Answers with the fault's error, or deliberately not at all (hang, reset). */
function applyFault(res: ServerResponse, api: Api, fault: LlmFault): void {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> =
        fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      const message = `fake LLM fault: HTTP ${fault.status}`;
      const body = fault.body ?? errorBody(api, fault.status, message);
      writeJson(res, fault.status, body, headers);
      return;
    }
    case 'hang':
      return;
    case 'reset':
      res.socket?.destroy();
      return;
    default: {
      const unexpected: never = fault;
      throw new Error(`unexpected fault ${JSON.stringify(unexpected)}`);
    }
  }
}

async function generate(res: ServerResponse, api: Api, request: LlmRequest, deps: LlmServerDeps): Promise<void> {
  await sleep(deps.latencyMs(), deps.closing);
  if (deps.closing.aborted) return;
  const fault = deps.takeFault(request.model);
  if (fault) return applyFault(res, api, fault);
  if (deps.promptCache !== undefined) request.cache = deps.promptCache.observe(api === 'azure' ? 'openai' : api, request.model, request.body as Record<string, unknown>);
  const reply = resolveReply(await deps.nextReply(request), request, api === 'anthropic' ? 'toolu' : 'call');
  if (res.destroyed) return;
  if (api === 'responses') return writeJson(res, 200, toResponse(reply, request.model));
  const body = request.body as { stream?: unknown; stream_options?: { include_usage?: unknown } };
  const pacing = { chunkDelayMs: deps.chunkDelayMs(), signal: deps.closing, onFirstChunk: deps.onFirstChunk };
  if (body.stream !== true) {
    if (!(await paceWholeReply(reply.content, pacing)) || res.destroyed) return;
    return writeJson(res, 200, api === 'anthropic' ? toAnthropicMessage(reply, request.model) : toCompletion(reply, request.model));
  }
  if (api === 'anthropic') return writeAnthropicStream(res, reply, request.model, pacing);
  await writePacedCompletionStream(res, reply, { model: request.model, includeUsage: body.stream_options?.include_usage === true }, pacing);
}

const azureRoute = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

/**
 * Which API a route speaks. Any base path is accepted before the API's own (`/v1/messages`
 * under `/coding` or `/anthropic`, `/chat/completions` under `/api/paas/v4`), as vendors
 * publish such endpoints; Azure's is `/openai/deployments/<deployment>/chat/completions`.
 */
function toApi(method: string, path: string): Api | undefined {
  if (method !== 'POST') return undefined;
  if (azureRoute.test(path)) return 'azure';
  if (path.endsWith('/chat/completions')) return 'openai';
  if (path.endsWith('/v1/messages')) return 'anthropic';
  if (path.endsWith('/responses')) return 'responses';
  return undefined;
}

/** Azure's own checks: a key in `api-key` and an `api-version` (https://learn.microsoft.com/azure/ai-services/openai/reference). */
function checkAzure(request: LlmRequest): { status: number; message: string } | undefined {
  if (!request.headers['api-key']) return { status: 401, message: 'Access denied due to invalid subscription key or wrong API endpoint.' };
  if (!request.query['api-version']) return { status: 404, message: 'Resource not found' };
  return undefined;
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: LlmServerDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname.replace(/\/+$/, '');
  const text = await readBody(req);
  const method = req.method ?? 'GET';
  const route = `${method} ${path}`;
  const api = toApi(method, path);
  const body = api ? parseJson(text) : null;
  const deployment = api === 'azure' ? decodeURIComponent(azureRoute.exec(path)?.[1] ?? '') : undefined;
  const model = (body as { model?: unknown } | null)?.model;
  const request: LlmRequest = {
    ...(api === undefined ? {} : { api }),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    ...(deployment === undefined ? {} : { deployment }),
    // Azure routes by deployment; the body's model is ignored there.
    model: deployment ?? (typeof model === 'string' ? model : ''),
    body,
    headers: toHeaders(req),
    at: Date.now(),
  };
  deps.record(request);
  if (method === 'GET' && path.endsWith('/models')) {
    const data = deps.knownModels().map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-llm' }));
    return writeJson(res, 200, { object: 'list', data });
  }
  if (!api) return writeError(res, 'openai', 404, `Unknown request URL: ${route}`);
  const problem = (api === 'azure' ? checkAzure(request) : undefined) ?? checkBody(api, req, body);
  if (problem) return writeError(res, api, problem.status, problem.message);
  try {
    await generate(res, api, request, deps);
  } catch (error) {
    writeError(res, api, 500, `fake LLM responder failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Serves one request; never rejects, so bad input cannot crash the test process. */
export async function handleLlmRequest(req: IncomingMessage, res: ServerResponse, deps: LlmServerDeps): Promise<void> {
  try {
    await serve(req, res, deps);
  } catch (error) {
    writeError(res, 'openai', 500, `fake LLM failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
