import type { IncomingMessage, ServerResponse } from 'node:http';
import { toFaultResult, type TelegramFaults } from './fake-telegram-faults.js';
import { fail, readBody, toParams, writeResult, type ApiResult, type Params } from './fake-telegram-http.js';
import { handlerFor, toMethodName, type TelegramState } from './fake-telegram-methods.js';
import { parseMultipart } from './fake-telegram-multipart.js';
import type { AnswerHook, RecordedCall } from './fake-telegram-types.js';

export type BotServerDeps = {
  token: string;
  state: TelegramState;
  faults: TelegramFaults;
  calls: RecordedCall[];
  /** Aborted by close(): delayed answers are dropped. */
  closing: AbortSignal;
  /** The local process behind a connection, when the fake identifies its clients. */
  pidOf?: (socket: IncomingMessage['socket']) => number | undefined;
  /** Hooks run right before an answer is written, by method. */
  beforeAnswer?: Map<string, AnswerHook>;
};

type Run = () => Promise<ApiResult | undefined>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
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

/** Applies the fault for this call, if any; `undefined` means no response is written. */
async function runWithFault(deps: BotServerDeps, call: RecordedCall, res: ServerResponse, run: Run): Promise<ApiResult | undefined> {
  const fault = deps.faults.take(call.method);
  if (!fault) return run();
  call.fault = fault.kind;
  switch (fault.kind) {
    case 'status':
    case 'retryAfter':
    case 'conflict':
      return toFaultResult(fault);
    case 'hang':
      return undefined;
    case 'reset':
      res.socket?.destroy();
      return undefined;
    case 'lostResponse': {
      const result = await run();
      if (result && !result.ok) call.description = result.description;
      res.socket?.destroy();
      return undefined;
    }
    case 'statusAfterEffect':
      await run();
      return toFaultResult({ kind: 'status', status: fault.status, ...(fault.description === undefined ? {} : { description: fault.description }) });
    case 'hangAfterEffect':
      await run();
      return undefined;
    case 'delay':
      await sleep(fault.ms, deps.closing);
      return deps.closing.aborted ? undefined : run();
    default: {
      const unexpected: never = fault;
      throw new Error(`unexpected fault ${JSON.stringify(unexpected)}`);
    }
  }
}

function answer(res: ServerResponse, call: RecordedCall, result: ApiResult | undefined, hooks?: Map<string, AnswerHook>): void {
  if (!result) return;
  call.status = result.ok ? 200 : result.error_code;
  if (!result.ok) call.description = result.description;
  hooks?.get(call.method)?.(call, result);
  writeResult(res, result);
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: BotServerDeps, signal: AbortSignal): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(req);
  if (deps.state.files.serveDownload(url.pathname, deps.token, res)) return;
  const match = /^\/bot([^/]*)\/([^/]*)$/.exec(url.pathname);
  if (!match) {
    writeResult(res, fail(404, 'Not Found'));
    return;
  }
  const [, token = '', rawMethod = ''] = match;
  const contentType = req.headers['content-type'] ?? '';
  const parsed = contentType.includes('multipart/form-data')
    ? withQuery(url, parseMultipart(contentType, body))
    : toParams(url, contentType, body.toString('utf8'));
  const method = toMethodName(rawMethod);
  const params: Params = typeof parsed === 'string' ? {} : parsed;
  const pid = deps.pidOf?.(req.socket);
  const call: RecordedCall = { method: method ?? rawMethod, params, at: Date.now(), status: 0, ...(pid === undefined ? {} : { pid }) };
  deps.calls.push(call);
  if (token !== deps.token) return answer(res, call, fail(401, 'Unauthorized'));
  const handler = method === undefined ? undefined : handlerFor(method);
  if (!handler) return answer(res, call, fail(404, 'Not Found'));
  if (typeof parsed === 'string') return answer(res, call, fail(400, `Bad Request: ${parsed}`));
  const result = await runWithFault(deps, call, res, async () => handler(params, deps.state, signal));
  answer(res, call, result, deps.beforeAnswer);
}

const withQuery = (url: URL, parsed: Params | string): Params | string =>
  typeof parsed === 'string' ? parsed : { ...Object.fromEntries(url.searchParams), ...parsed };

/**
 * Serves one `{apiRoot}/bot<token>/<method>` request (or a file download, `{apiRoot}/file/bot<token>/<path>`). Never rejects: a bug in the fake
 * answers 500 instead of crashing the test process.
 */
export async function handleBotRequest(req: IncomingMessage, res: ServerResponse, deps: BotServerDeps): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  try {
    await serve(req, res, deps, controller.signal);
  } catch (error) {
    const description = `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`;
    writeResult(res, fail(500, description));
  }
}
