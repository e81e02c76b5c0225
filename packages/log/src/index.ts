export { createLogger, redactPaths, scrubSecrets } from './create-logger.js';
export type { Logger, LoggerOptions } from './create-logger.js';
