import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAnthropicRequest, toAnthropicError, toAnthropicMessage } from './fake-llm-anthropic.js';
import { toCompletion, toOpenAiError } from './fake-llm-openai.js';
import { writeAnthropicStream, writePacedCompletionStream } from './fake-llm-streams.js';
import { resolveReply } from './fake-llm-replies.js';
import type { FakeReply, LlmFault, LlmRequest } from './fake-llm-types.js';

type Api = 'openai' | 'anthropic';

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

function writeError(res: ServerResponse, api: Api, status: number, message: string): void {
  writeJson(res, status, api === 'openai' ? toOpenAiError(status, message) : toAnthropicError(status, message));
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
  const fields = body as { model?: unknown; messages?: unknown };
  if (typeof fields.model !== 'string' || fields.model === '') return { status: 400, message: 'you must provide a model parameter' };
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
      const body = fault.body ?? (api === 'openai' ? toOpenAiError(fault.status, message) : toAnthropicError(fault.status, message));
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
  const reply = resolveReply(await deps.nextReply(request), request, api === 'openai' ? 'call' : 'toolu');
  if (res.destroyed) return;
  const body = request.body as { stream?: unknown; stream_options?: { include_usage?: unknown } };
  const pacing = { chunkDelayMs: deps.chunkDelayMs(), signal: deps.closing, onFirstChunk: deps.onFirstChunk };
  if (api === 'anthropic') {
    if (body.stream === true) return writeAnthropicStream(res, reply, request.model, pacing);
    return writeJson(res, 200, toAnthropicMessage(reply, request.model));
  }
  if (body.stream !== true) return writeJson(res, 200, toCompletion(reply, request.model));
  await writePacedCompletionStream(res, reply, { model: request.model, includeUsage: body.stream_options?.include_usage === true }, pacing);
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: LlmServerDeps): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const text = await readBody(req);
  const route = `${req.method ?? 'GET'} ${path.replace(/\/+$/, '')}`;
  const api: Api | undefined =
    route === 'POST /v1/chat/completions' ? 'openai' : route === 'POST /v1/messages' ? 'anthropic' : undefined;
  const body = api ? parseJson(text) : null;
  const model = (body as { model?: unknown } | null)?.model;
  const request: LlmRequest = { path, model: typeof model === 'string' ? model : '', body, headers: toHeaders(req), at: Date.now() };
  deps.record(request);
  if (route === 'GET /v1/models') {
    const data = deps.knownModels().map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-llm' }));
    return writeJson(res, 200, { object: 'list', data });
  }
  if (!api) return writeError(res, 'openai', 404, `Unknown request URL: ${route}`);
  const problem = checkBody(api, req, body);
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
