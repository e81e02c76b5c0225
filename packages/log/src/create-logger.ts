import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths redacted in every log line. Tokens and keys must never reach a log:
 * config objects, HTTP options and errors from SDKs can all carry them.
 */
export const redactPaths = [
  'token',
  'apiKey',
  'api_key',
  'bridgeToken',
  'password',
  'authorization',
  'Authorization',
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.bridgeToken',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'config.headers.Authorization',
  'err.config.headers',
];

/** Bot API URLs carry the token in the path: /bot<token>/method. */
const botTokenInUrl = /bot\d+:[A-Za-z0-9_-]+/g;

export function scrubSecrets(text: string): string {
  return text.replace(botTokenInUrl, 'bot<redacted>');
}

export type LoggerOptions = {
  name: string;
  level?: string;
  destination?: DestinationStream;
};

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: redactPaths, censor: '<redacted>' },
      base: { app: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubObject(object),
      },
      serializers: {
        err: (err: unknown) => {
          if (!(err instanceof Error)) return typeof err === 'string' ? scrubSecrets(err) : err;
          const serialized = pino.stdSerializers.err(err);
          return scrubObject(serialized as unknown as Record<string, unknown>);
        },
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

function scrubObject<T extends Record<string, unknown>>(object: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    // Errors are left whole for the `err` serializer, which scrubs what it keeps.
    if (value instanceof Error) out[key] = value;
    else if (typeof value === 'string') out[key] = scrubSecrets(value);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = scrubObject(value as Record<string, unknown>);
    } else out[key] = value;
  }
  return out as T;
}
