import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import type { ProcessGroups } from '../run-command.js';
import { StdioGroupTransport } from './stdio-group-transport.js';
import { detectTransport } from './mcp-transport-kind.js';

export { detectTransport, type TransportKind } from './mcp-transport-kind.js';

/** The variables of the agent's environment a stdio server gets, besides its own `env`. */
const passedOn = ['PATH', 'HOME', 'LANG'] as const;

/** A stdio server's environment: PATH, HOME and LANG of the agent, then the server's `env`. Never the agent's keys. */
export function toServerEnv(server: McpServerConfig, agentEnv: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of passedOn) {
    const value = agentEnv[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...server.env };
}

export type TransportDeps = {
  agentEnv: Record<string, string | undefined>;
  /** Where a stdio server runs when it has no `cwd` (a relative `cwd` is taken from here too). */
  workspace: string;
  groups: ProcessGroups;
};

const expandHome = (path: string) => (path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);

function toUrl(name: string, url: string | undefined): URL {
  try {
    const parsed = new URL(url ?? '');
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  } catch {
    // said below, with the server's name
  }
  throw new AppError('CONFIG_INVALID', `tools.mcpServers.${name}.url: expected an http(s) URL`);
}

/** A fresh transport for one connection attempt (the SDK's transports are not reusable). */
export function createTransport(name: string, server: McpServerConfig, deps: TransportDeps): Transport {
  const kind = detectTransport(name, server);
  switch (kind) {
    case 'stdio': {
      if (server.command === undefined || server.command === '') throw new AppError('CONFIG_INVALID', `tools.mcpServers.${name}: type stdio needs a command`);
      const inWorkspace = server.cwd === undefined || server.cwd === '';
      // The workspace is the agent's own: made when missing, as the file tools would.
      if (inWorkspace) mkdirSync(deps.workspace, { recursive: true });
      const cwd = inWorkspace ? deps.workspace : expandHome(server.cwd ?? '');
      return new StdioGroupTransport({
        command: server.command,
        args: server.args ?? [],
        env: toServerEnv(server, deps.agentEnv),
        cwd: isAbsolute(cwd) ? cwd : resolve(deps.workspace, cwd),
        groups: deps.groups,
      });
    }
    case 'sse':
      return new SSEClientTransport(toUrl(name, server.url), { requestInit: { headers: server.headers ?? {} } });
    case 'streamableHttp':
      return new StreamableHTTPClientTransport(toUrl(name, server.url), { requestInit: { headers: server.headers ?? {} } });
    default: {
      const unknownKind: never = kind;
      throw new AppError('CONFIG_INVALID', `tools.mcpServers.${name}.type: unknown transport ${String(unknownKind)}`);
    }
  }
}
