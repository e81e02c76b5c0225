import type { FakeTranscriptionApi } from './fake-llm-audio.js';
export type { TranscriptionRequest, TranscriptionAnswer, FakeTranscriptionApi } from './fake-llm-audio.js';

/** Public types of the fake LLM server (re-exported by `fake-llm.ts`). */
import type { CacheOutcome, PromptCacheOptions } from './fake-llm-cache.js';

export type { CacheOutcome, PromptCacheOptions };

export type FakeLlmOptions = {
  /** Default 0 (a free port). */
  port?: number;
  /**
   * Report prompt-cache hits by longest common prefix with earlier requests (fake-llm-cache.ts):
   * OpenAI's `prompt_tokens_details.cached_tokens`, Anthropic's cache read and write tokens.
   * `true` uses the providers' own minimum (1024 tokens). Off by default.
   */
  promptCache?: boolean | PromptCacheOptions;
};

export type FakeToolCall = {
  name: string;
  /** Sent JSON-encoded; a string is sent as it is (to test malformed arguments). */
  arguments: unknown;
};

export type FakeUsage = { promptTokens: number; completionTokens: number; cachedTokens: number; cacheWriteTokens: number };

export type FakeReply = {
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Overrides the estimated token counts. */
  usage?: Partial<FakeUsage>;
};

/** Which API a request spoke: Chat Completions, Azure's deployment route of it, the Responses API, Anthropic Messages. */
export type LlmApi = 'openai' | 'azure' | 'responses' | 'anthropic';

export type LlmRequest = {
  /** `undefined` for routes that are no API (GET /models, unknown paths). */
  api?: LlmApi;
  path: string;
  /** Query parameters (Azure's `api-version`). */
  query: Record<string, string>;
  /** Azure: the deployment named in the path. */
  deployment?: string;
  /** What the prompt cache reported, when the fake runs with `promptCache`. */
  cache?: CacheOutcome;
  /** The requested model; '' when the body had none. */
  model: string;
  /** The parsed JSON body; `null` when it was not valid JSON (or for GET). */
  body: unknown;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  at: number;
};

export type LlmResponder = (request: LlmRequest) => FakeReply | Promise<FakeReply>;

export type LlmLatency = number | { minMs: number; maxMs: number };

type Times = {
  /** Apply this many times, then clear automatically. Default: until `clearFaults()`. */
  times?: number;
  /**
   * Apply for this long from `setFault` (a provider outage of a given length), then clear
   * automatically; with `times` too, whichever ends first.
   */
  forMs?: number;
};

export type LlmFault = Times &
  (
    | {
        kind: 'status';
        status: number;
        /** Sent instead of the API's usual error body. */
        body?: unknown;
        /** Sets the `Retry-After` header. */
        retryAfterSeconds?: number;
      }
    | { kind: 'hang' }
    | { kind: 'reset' }
  );

export type LlmFaultOptions = {
  /** Only requests for this model fail; a model's own fault wins over an unscoped one. */
  model?: string;
};

export type FakeLlm = FakeTranscriptionApi & {
  /** `http://127.0.0.1:<port>/v1`, the OpenAI SDK's `baseURL`. */
  baseUrl: string;
  /** `http://127.0.0.1:<port>`, for endpoints with their own base path (Azure, vendors). */
  origin: string;
  script(...replies: FakeReply[]): void;
  setResponder(responder: LlmResponder): void;
  resetResponder(): void;
  requests(): LlmRequest[];
  setLatency(latency: LlmLatency): void;
  /**
   * Pause between the pieces (words) of a streamed reply; 0 by default. A reply asked for whole
   * takes as long as its stream would (a slow model is slow either way).
   */
  setChunkDelay(ms: number): void;
  /**
   * When each reply wrote its first piece of content (ms since the epoch), in order; for a reply
   * asked for whole under a chunk delay, when it started (its first piece would have existed).
   */
  firstChunks(): number[];
  setFault(fault: LlmFault, options?: LlmFaultOptions): void;
  clearFaults(): void;
  inFlight(): number;
  maxInFlight(): number;
  close(): Promise<void>;
};
