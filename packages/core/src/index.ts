export { AppError, errorCodes, isAppError, toAppError, describeError } from './app-error.js';
export type { ErrorCode, AppErrorOptions } from './app-error.js';
export { channelNames, toSessionKey, toJobId } from './session-key.js';
export type { ChannelName } from './session-key.js';
export {
  commandNames,
  isImmediateCommand,
  inboundMessageSchema,
  outboundMessageSchema,
  parseInboundMessage,
  parseOutboundMessage,
} from './messages.js';
export type { CommandName, CommandMessage, InboundMessage, InboundInput, OutboundMessage } from './messages.js';
export { isAllowedWhatsappAuthor } from './whatsapp-allow-from.js';
export type { WhatsappAuthor } from './whatsapp-allow-from.js';
export { defaultWaitTimeoutMs, parseRedisEndpoint, toRedisConnectionString } from './redis-endpoint.js';
export type { RedisEndpoint, RedisNode, RedisTlsFiles } from './redis-endpoint.js';
