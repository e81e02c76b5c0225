import { describe, expect, it } from 'vitest';
import { toMcpLines } from './mcp-status-lines.js';

describe('the MCP servers under the agent in nanobot status', () => {
  it('shows a connected server with its tools, and a failing one with its failures, next retry and error', () => {
    const now = Date.now();
    const lines = toMcpLines(
      {
        state: 'running',
        mcp: {
          fs: { state: 'connected', transport: 'stdio', tools: 14, lastError: null, consecutiveFailures: 0, nextRetryAt: null, pid: 4321 },
          github: { state: 'retrying', transport: 'streamableHttp', tools: 0, lastError: 'fetch failed', consecutiveFailures: 3, nextRetryAt: now + 8_000 },
        },
      },
      now,
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ {4}mcp fs\s+connected\s+stdio\s+14 tools\s+pid 4321\s+last error -$/);
    expect(lines[1]).toMatch(/mcp github\s+retrying\s+streamableHttp\s+0 tools\s+failures 3\s+next retry in 8s\s+last error fetch failed$/);
  });

  it('adds nothing for a row without MCP servers', () => {
    expect(toMcpLines({ state: 'running' })).toEqual([]);
  });
});
