export { createLogger } from './create-logger.js';
export { censor, isSecretKey, redactLimits, redactValue, scrubSecrets } from './redact.js';
export type { Logger, LoggerOptions } from './create-logger.js';
