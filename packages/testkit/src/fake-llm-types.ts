import type { FakeTranscriptionApi } from './fake-llm-audio.js';
export type { TranscriptionRequest, TranscriptionAnswer, FakeTranscriptionApi } from './fake-llm-audio.js';

/** Public types of the fake LLM server (re-exported by `fake-llm.ts`). */

export type FakeLlmOptions = {
  /** Default 0 (a free port). */
  port?: number;
};

export type FakeToolCall = {
  name: string;
  /** Sent JSON-encoded; a string is sent as it is (to test malformed arguments). */
  arguments: unknown;
};

export type FakeUsage = { promptTokens: number; completionTokens: number };

export type FakeReply = {
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Overrides the estimated token counts. */
  usage?: Partial<FakeUsage>;
};

export type LlmRequest = {
  path: string;
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
  script(...replies: FakeReply[]): void;
  setResponder(responder: LlmResponder): void;
  resetResponder(): void;
  requests(): LlmRequest[];
  setLatency(latency: LlmLatency): void;
  setFault(fault: LlmFault, options?: LlmFaultOptions): void;
  clearFaults(): void;
  inFlight(): number;
  maxInFlight(): number;
  close(): Promise<void>;
};
