import type { McpServerConfig } from '@nanobot/config';
import { AppError } from '@nanobot/core';

export type TransportKind = 'stdio' | 'sse' | 'streamableHttp';

/**
 * nanobot's rule when `type` is left out: a `command` is a stdio server; a `url` ending in `/sse`
 * (trailing slashes aside) is SSE; any other `url` is streamable HTTP. Neither: a config error.
 */
export function detectTransport(name: string, server: McpServerConfig): TransportKind {
  if (server.type !== undefined) return server.type;
  if (server.command !== undefined && server.command !== '') return 'stdio';
  if (server.url !== undefined && server.url !== '') return server.url.replace(/\/+$/, '').endsWith('/sse') ? 'sse' : 'streamableHttp';
  throw new AppError('CONFIG_INVALID', `tools.mcpServers.${name}: neither command nor url is set`);
}
