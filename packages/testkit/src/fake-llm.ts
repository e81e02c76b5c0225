import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPromptCache } from './fake-llm-cache.js';
import { echoReply } from './fake-llm-replies.js';
import { createFakeTranscription } from './fake-llm-audio.js';
import { handleLlmRequest, type LlmServerDeps } from './fake-llm-server.js';
import type { FakeLlm, FakeLlmOptions, FakeReply, LlmFault, LlmLatency, LlmRequest, LlmResponder } from './fake-llm-types.js';

export type * from './fake-llm-types.js';

const anyModel = '*';

/** Faults by model (or any model); a model's own fault wins. */
function createLlmFaults() {
  const entries = new Map<string, { fault: LlmFault; remaining: number; untilMs: number }>();
  return {
    set(fault: LlmFault, model: string): void {
      if ((fault.times !== undefined && fault.times <= 0) || (fault.forMs !== undefined && fault.forMs <= 0)) {
        entries.delete(model);
        return;
      }
      const untilMs = fault.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + fault.forMs;
      entries.set(model, { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY, untilMs });
    },
    clear: (): void => entries.clear(),
    take(model: string): LlmFault | undefined {
      for (const key of [model, anyModel]) {
        const entry = entries.get(key);
        if (!entry) continue;
        if (Date.now() >= entry.untilMs) {
          entries.delete(key);
          continue;
        }
        entry.remaining -= 1;
        if (entry.remaining <= 0) entries.delete(key);
        return entry.fault;
      }
      return undefined;
    },
  };
}

function toLatencyMs(latency: LlmLatency): number {
  if (typeof latency === 'number') return latency;
  return latency.minMs + Math.random() * Math.max(0, latency.maxMs - latency.minMs);
}

/** Counts concurrent requests (from arrival until the response closes) and their peak. */
function createGauge() {
  let current = 0;
  let peak = 0;
  return {
    enter(): void {
      current += 1;
      peak = Math.max(peak, current);
    },
    leave(): void {
      current -= 1;
    },
    current: (): number => current,
    peak: (): number => peak,
  };
}

/** Listens on 127.0.0.1; `close` destroys every open connection, hung ones included. */
async function listen(port: number, handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handle);
  // Longer than any client's idle keep-alive, so no client reuses a socket being closed.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Clients reset connections on purpose in fault tests; the socket is closed either way.
    socket.on('error', () => undefined);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/**
 * Starts a fake LLM on 127.0.0.1 speaking OpenAI's Chat Completions API (JSON and SSE
 * streaming, also on Azure's deployment route), OpenAI's Responses API and Anthropic's
 * Messages API (under any base path), with scripted replies, latency, faults and, with
 * `promptCache`, prompt-cache hits by common prefix.
 * Without a script or responder it answers `echo: <last user text>`.
 */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const recorded: LlmRequest[] = [];
  const scripted: FakeReply[] = [];
  let responder: LlmResponder | undefined;
  let latency: LlmLatency = 0;
  let chunkDelayMs = 0;
  const firstChunks: number[] = [];
  const faults = createLlmFaults();
  const gauge = createGauge();
  const closing = new AbortController();
  // Every request in flight listens to it (delays, hanging polls): hundreds at once are expected.
  setMaxListeners(0, closing.signal);
  const deps: LlmServerDeps = {
    record: (request) => recorded.push(request),
    knownModels: () => [...new Set(['fake-model', ...recorded.map((request) => request.model).filter((model) => model !== '')])],
    latencyMs: () => toLatencyMs(latency),
    takeFault: (model) => faults.take(model),
    nextReply: async (request) => scripted.shift() ?? (responder ? responder(request) : echoReply(request)),
    closing: closing.signal,
    chunkDelayMs: () => chunkDelayMs,
    onFirstChunk: () => void firstChunks.push(Date.now()),
    ...(options.promptCache === undefined || options.promptCache === false
      ? {}
      : { promptCache: createPromptCache(options.promptCache === true ? {} : options.promptCache) }),
  };
  const audio = createFakeTranscription();
  const server = await listen(options.port ?? 0, (req, res) => {
    if (audio.handles(req)) return audio.handle(req, res);
    gauge.enter();
    res.on('close', gauge.leave);
    void handleLlmRequest(req, res, deps);
  });
  return {
    ...audio.api,
    baseUrl: `http://127.0.0.1:${server.port}/v1`,
    origin: `http://127.0.0.1:${server.port}`,
    script(...replies) {
      scripted.push(...replies);
    },
    setResponder(next) {
      responder = next;
    },
    resetResponder() {
      responder = undefined;
    },
    requests: () => [...recorded],
    setLatency(next) {
      latency = next;
    },
    setChunkDelay(ms) {
      chunkDelayMs = ms;
    },
    firstChunks: () => [...firstChunks],
    setFault: (fault, scope = {}) => faults.set(fault, scope.model ?? anyModel),
    clearFaults: () => faults.clear(),
    inFlight: () => gauge.current(),
    maxInFlight: () => gauge.peak(),
    async close(): Promise<void> {
      if (closing.signal.aborted) return;
      closing.abort();
      await server.close();
    },
  };
}
