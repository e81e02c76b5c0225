import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError, type CallToolResult, type Tool as McpToolDef } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Tool } from '../tool-registry.js';
import { describeMcpError } from './describe-mcp-error.js';
import { toMcpToolName } from './mcp-names.js';

type ContentBlock = CallToolResult['content'][number];

const sizeOf = (base64: string) => Math.floor((base64.length * 3) / 4);

/** One content block as text: text as it is, anything else named (the model cannot use raw base64). */
function toText(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${sizeOf(block.data)} bytes, not shown]`;
    case 'resource_link':
      return `[resource link ${block.name}: ${block.uri}]`;
    case 'resource':
      return 'text' in block.resource && typeof block.resource.text === 'string'
        ? block.resource.text
        : `[resource ${block.resource.uri}${block.resource.mimeType === undefined ? '' : ` (${block.resource.mimeType})`}, binary, not shown]`;
    default: {
      const unknownBlock: never = block;
      return `[${String((unknownBlock as { type?: unknown }).type)} content, not shown]`;
    }
  }
}

/** A call's result as the model reads it; an `isError` result is an `Error: …` like any failed tool. */
export function renderCallResult(result: CallToolResult): string {
  const parts = (result.content ?? []).map(toText).filter((text) => text !== '');
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join('\n') || '(no output)';
  return result.isError === true ? `Error: ${text}` : text;
}

/** The server's input schema as the model sees it: an object schema, without `$schema`. */
function toParameters(def: McpToolDef): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = (def.inputSchema ?? {}) as Record<string, unknown>;
  return { ...schema, type: 'object', properties: schema['properties'] ?? {} };
}

export type McpToolOptions = {
  server: string;
  def: McpToolDef;
  client: Client;
  /** Seconds a call may take (`toolTimeout`). */
  timeoutS: number;
  /** The connection failed under a call: the server is reconnected. */
  onBroken(err: unknown): void;
};

/** The server answered (with an error): not a timeout, not a closed connection. */
export const isAnswered = (err: unknown): boolean =>
  err instanceof McpError && err.code !== Number(ErrorCode.RequestTimeout) && err.code !== Number(ErrorCode.ConnectionClosed);

/** True when the error says the connection itself is gone (not the tool's own failure). */
function isConnectionFailure(err: unknown): boolean {
  if (err instanceof McpError) return err.code === Number(ErrorCode.ConnectionClosed);
  return err instanceof TypeError || (err instanceof Error && /ECONNREFUSED|ECONNRESET|EPIPE|not running|Not connected/i.test(err.message));
}

/**
 * One tool of an MCP server as a tool of the registry, `mcp_<server>_<tool>`, with the server's
 * JSON Schema (the server checks the arguments). A call past `toolTimeout` is cancelled (the SDK
 * tells the server) and comes back as an error result; so does a server that went away.
 * Running it again after a crash is safe only when the server says the tool is read-only or
 * idempotent.
 */
export function createMcpTool(options: McpToolOptions): Tool {
  const { server, def, client, timeoutS } = options;
  const annotations = def.annotations ?? {};
  return {
    name: toMcpToolName(server, def.name),
    description: def.description ?? def.title ?? def.name,
    schema: z.record(z.string(), z.unknown()),
    parameters: toParameters(def),
    rerunSafe: annotations.readOnlyHint === true || annotations.idempotentHint === true,
    async execute(args, context) {
      try {
        const result = await client.callTool({ name: def.name, arguments: args as Record<string, unknown> }, undefined, { timeout: timeoutS * 1000, signal: context.signal });
        return renderCallResult(result as CallToolResult);
      } catch (err) {
        if (context.signal.aborted) throw err;
        if (err instanceof McpError && err.code === Number(ErrorCode.RequestTimeout)) return `Error: MCP tool call timed out after ${timeoutS}s`;
        if (isConnectionFailure(err)) {
          options.onBroken(err);
          return `Error: MCP server ${server} is not reachable (${describeMcpError(err)}); its tools are back once it reconnects`;
        }
        return `Error: MCP tool call failed: ${describeMcpError(err)}`;
      }
    },
  };
}
