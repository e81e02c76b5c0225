import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';

export type FakeMcpServerOptions = {
  /** A fixed port (to start it again where a client expects it); default a free one. */
  port?: number;
  /** A header every request must carry (`name: value`), as a server behind a token would. */
  requireHeader?: { name: string; value: string };
};

export type FakeMcpServer = {
  /** `http://127.0.0.1:<port>/mcp`: streamable HTTP. */
  url: string;
  /** `http://127.0.0.1:<port>/sse`: the older SSE transport. */
  sseUrl: string;
  port: number;
  /** Tool calls received, by tool name. */
  calls(tool: string): number;
  /** Hanging calls the client cancelled (`notifications/cancelled` reached the tool). */
  cancelled(): number;
  close(): Promise<void>;
};

/**
 * Tests only: an MCP server built with the official SDK, on loopback, speaking streamable HTTP
 * (`/mcp`) and SSE (`/sse` + `/messages`). Tools: `echo` (read-only), `add`, `hang` (answers
 * only when cancelled), `count` (counts its calls: a re-run shows).
 */
export async function startFakeMcpServer(options: FakeMcpServerOptions = {}): Promise<FakeMcpServer> {
  const callCounts = new Map<string, number>();
  let cancelledCount = 0;
  const counted = (tool: string) => callCounts.set(tool, (callCounts.get(tool) ?? 0) + 1);

  function createMcp(): McpServer {
    const mcp = new McpServer({ name: 'fake-mcp', version: '1.0.0' });
    mcp.registerTool('echo', { description: 'Echoes the text back', inputSchema: { text: z.string().describe('what to echo') }, annotations: { readOnlyHint: true } }, async ({ text }) => {
      counted('echo');
      return { content: [{ type: 'text', text: `echo: ${text}` }] };
    });
    mcp.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => {
      counted('add');
      return { content: [{ type: 'text', text: String(a + b) }] };
    });
    mcp.registerTool('hang', { description: 'Never answers' }, async (extra) => {
      counted('hang');
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
      cancelledCount += 1;
      return { content: [{ type: 'text', text: 'cancelled' }] };
    });
    mcp.registerTool('count', { description: 'Counts its calls' }, async () => {
      counted('count');
      return { content: [{ type: 'text', text: `count ${callCounts.get('count') ?? 0}` }, { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }] };
    });
    return mcp;
  }

  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  const open = new Set<Transport>();

  async function handleStreamable(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? streamable.get(sessionId) : undefined;
    if (existing !== undefined) return existing.handleRequest(req, res);
    if (req.method !== 'POST' || sessionId !== undefined) {
      res.writeHead(sessionId === undefined ? 405 : 404).end();
      return;
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void streamable.set(id, transport) });
    open.add(transport);
    transport.onclose = () => {
      if (transport.sessionId !== undefined) streamable.delete(transport.sessionId);
      open.delete(transport);
    };
    await createMcp().connect(transport);
    await transport.handleRequest(req, res);
  }

  async function handleSse(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET' && url.pathname.replace(/\/+$/, '') === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sse.set(transport.sessionId, transport);
      open.add(transport);
      transport.onclose = () => {
        sse.delete(transport.sessionId);
        open.delete(transport);
      };
      await createMcp().connect(transport);
      return;
    }
    const transport = sse.get(url.searchParams.get('sessionId') ?? '');
    if (req.method !== 'POST' || transport === undefined) {
      res.writeHead(404).end();
      return;
    }
    await transport.handlePostMessage(req, res);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const required = options.requireHeader;
    if (required !== undefined && req.headers[required.name.toLowerCase()] !== required.value) {
      res.writeHead(401).end();
      return;
    }
    const handled = url.pathname === '/mcp' ? handleStreamable(req, res) : handleSse(req, res, url);
    handled.catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sseUrl: `http://127.0.0.1:${port}/sse`,
    port,
    calls: (tool) => callCounts.get(tool) ?? 0,
    cancelled: () => cancelledCount,
    async close() {
      await Promise.all([...open].map((transport) => transport.close().catch(() => undefined)));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
