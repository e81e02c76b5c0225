/** One MCP server of an agent's status record, as the agent wrote it (apps/agent mcp-servers.ts). */
type McpRow = {
  state?: unknown;
  transport?: unknown;
  tools?: unknown;
  lastError?: unknown;
  consecutiveFailures?: unknown;
  nextRetryAt?: unknown;
  pid?: unknown;
};

const text = (value: unknown, fallback = '-') => (typeof value === 'string' && value !== '' ? value : fallback);

/**
 * The MCP servers under an agent's line in `nanobot status`: state (connected, connecting,
 * retrying, failed), transport, how many tools the model has from it, a stdio server's pid, and while it is down the
 * failures in a row, the next attempt and the last error.
 */
export function toMcpLines(row: Record<string, unknown>, now = Date.now()): string[] {
  const servers = row['mcp'];
  if (typeof servers !== 'object' || servers === null) return [];
  return Object.entries(servers as Record<string, McpRow>).map(([name, server]) => {
    const state = text(server.state, '?');
    const parts = [`    mcp ${name.padEnd(14)}`, state.padEnd(10), text(server.transport, '?').padEnd(14), `${typeof server.tools === 'number' ? server.tools : 0} tools`.padEnd(10)];
    if (typeof server.pid === 'number') parts.push(`pid ${server.pid}`.padEnd(10));
    if (state !== 'connected') {
      parts.push(`failures ${typeof server.consecutiveFailures === 'number' ? server.consecutiveFailures : 0}`.padEnd(12));
      if (typeof server.nextRetryAt === 'number') parts.push(`next retry in ${Math.max(0, Math.round((server.nextRetryAt - now) / 1000))}s`.padEnd(18));
    }
    parts.push(`last error ${text(server.lastError)}`);
    return parts.join(' ');
  });
}
