import { pino, type Logger, type DestinationStream } from 'pino';
import { redactValue } from './redact.js';

export type { Logger } from 'pino';

export type LoggerOptions = {
  name: string;
  level?: string;
  destination?: DestinationStream;
};

/**
 * Tokens, keys and passwords must never reach a log: config objects, HTTP options, URLs and
 * errors from SDKs can all carry them, at any depth. pino's `redact` paths name fixed depths,
 * so every argument of a log call (and every child's bindings) is walked once instead
 * (redact.ts): secret-named fields censored, secret-looking values masked in every string.
 */
function redactArgs(args: unknown[]): unknown[] {
  const out = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    // `log.error(err)`: pino would take its message unread; as `{ err }` it is read like any field.
    out[i] = i === 0 && arg instanceof Error ? { err: redactValue(arg) } : redactValue(arg);
  }
  return out;
}

export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { app: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
      },
      // Errors were serialized and redacted in logMethod; pino's serializer would serialize them again.
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          method.apply(this, redactArgs(args) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
  // pino applies `formatters.bindings` to the base bindings only, not to a child's: redact
  // those here. Children inherit this override, so grandchildren are covered as well.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactValue(bindings) as typeof bindings, childOptions);
  } as typeof child;
  return logger;
}
