/**
 * The one error type of the project. Foreign errors (grammY, LLM SDKs, zod, ws,
 * ioredis) are converted once, where they enter, and kept as `cause`.
 */
export const errorCodes = {
  CONFIG_INVALID: { retryable: false },
  MESSAGE_INVALID: { retryable: false },
  CHANNEL_FATAL: { retryable: false },
  CHANNEL_CONFLICT: { retryable: true },
  CHANNEL_RATE_LIMITED: { retryable: true },
  CHANNEL_UNAVAILABLE: { retryable: true },
  BUS_UNAVAILABLE: { retryable: true },
  /** A lease (poller, sender) is no longer this process's: whatever it guarded must not happen here. */
  LEASE_LOST: { retryable: true },
  LLM_UNAVAILABLE: { retryable: true },
  LLM_REJECTED: { retryable: false },
  TOOL_FAILED: { retryable: false },
  STOP_TIMEOUT: { retryable: false },
  INTERNAL: { retryable: false },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export type AppErrorOptions = {
  cause?: unknown;
  /** For CHANNEL_RATE_LIMITED: how long the remote side asked us to wait. */
  retryAfterMs?: number;
  /** Structured context that is safe to log (ids, field paths; never secrets or user text). */
  details?: Record<string, unknown>;
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = errorCodes[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }
}

export function isAppError(value: unknown, code?: ErrorCode): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(value: unknown, code: ErrorCode = 'INTERNAL', message?: string): AppError {
  if (value instanceof AppError) return value;
  const text = message ?? (value instanceof Error ? value.message : String(value));
  return new AppError(code, text, { cause: value });
}

/** A short, log-safe description of an error: code and message, no stack. */
export function describeError(value: unknown): string {
  if (value instanceof AppError) return `${value.code}: ${value.message}`;
  if (value instanceof Error) return value.message;
  return String(value);
}
