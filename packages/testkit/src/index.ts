export { startRedis } from './redis-server.js';
export type { RedisServer, RedisServerOptions } from './redis-server.js';
export { startFakeTelegram } from './fake-telegram.js';
export type * from './fake-telegram.js';
export { startFakeLlm } from './fake-llm.js';
export type * from './fake-llm.js';
export { freePort } from './redis-server.js';
export { parseTelegramHtml } from './telegram-html.js';
