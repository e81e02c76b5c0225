import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool as McpToolDef } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '@nanobot/config';
import { describeMcpError } from './describe-mcp-error.js';
import { createTransport, type TransportDeps } from './mcp-transport.js';
import { StdioGroupTransport } from './stdio-group-transport.js';

export type McpConnection = {
  client: Client;
  tools: McpToolDef[];
  /** Resolves once the connection is gone (the server exited, the transport closed). */
  closed: Promise<void>;
  close(): Promise<void>;
  /** A stdio server's process. */
  pid?: number;
};

export type ConnectOptions = TransportDeps & {
  name: string;
  server: McpServerConfig;
  /** initialize and tools/list, each. */
  timeoutMs: number;
  signal: AbortSignal;
  version: string;
};

/** A server's env values never reach a log or the status through its stderr. */
function redact(text: string, server: McpServerConfig): string {
  let out = text;
  for (const value of Object.values(server.env ?? {})) if (value.length >= 4) out = out.split(value).join('***');
  return out;
}

/** The error of a failed attempt, with the last line a stdio server wrote to stderr. */
function explain(err: unknown, transport: unknown, server: McpServerConfig): Error {
  const message = describeMcpError(err);
  const stderr = transport instanceof StdioGroupTransport ? transport.stderr() : '';
  // The line that names the error (Node ends a crash with its version line), else the last one.
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const last = lines.findLast((line) => /error/i.test(line)) ?? lines.at(-1);
  return new Error(last === undefined ? message : `${message}; stderr: ${redact(last, server).slice(0, 300)}`, { cause: err });
}

/** Pages through tools/list (a server may split it). */
async function listAllTools(client: Client, options: { timeout: number; signal: AbortSignal }): Promise<McpToolDef[]> {
  const tools: McpToolDef[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, options);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined && tools.length < 10_000);
  return tools;
}

/**
 * One connection attempt through the SDK's Client: start the transport (a stdio server is spawned
 * here), initialize, list the tools. Throws with a readable reason; nothing is left running then.
 */
export async function connectMcpServer(options: ConnectOptions): Promise<McpConnection> {
  const transport = createTransport(options.name, options.server, options);
  const client = new Client({ name: 'nanobot-cluster', version: options.version });
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  client.onclose = () => markClosed();
  // Errors of the transport surface through the calls they break and the close that follows.
  client.onerror = () => undefined;
  const requestOptions = { timeout: options.timeoutMs, signal: options.signal };
  try {
    await client.connect(transport, requestOptions);
    const tools = await listAllTools(client, requestOptions);
    const pid = transport instanceof StdioGroupTransport ? transport.pid : undefined;
    return { client, tools, closed, close: () => client.close(), ...(pid === undefined ? {} : { pid }) };
  } catch (err) {
    const reason = explain(err, transport, options.server);
    await client.close().catch(() => undefined); // it failed already; closing only frees the child
    throw reason;
  }
}
