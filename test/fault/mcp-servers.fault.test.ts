import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startFakeMcpServer, startTelegramStack, type FakeMcpServer, type LlmRequest, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Running, not a zombie (an orphan may stay one where PID 1 does not reap). */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const everythingBin = join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const hasToolResult = (request: LlmRequest) => ((request.body as { messages?: Array<{ role: string }> } | null)?.messages ?? []).some((m) => m.role === 'tool');
const offered = (request: LlmRequest | undefined) => ((request?.body as { tools?: Array<{ function: { name: string } }> } | null)?.tools ?? []).map((t) => t.function.name);

describe('MCP servers of the cluster agent, under pm2', () => {
  let stack: TelegramStack;
  let mcp: FakeMcpServer;
  let script: string;

  beforeAll(async () => {
    mcp = await startFakeMcpServer();
    script = join(await mkdtemp(join(tmpdir(), 'nb-mcp-fault-')), 'server.mjs');
    stack = await startTelegramStack({
      // A nanobot user's tools section, snake_case as nanobot writes it: one server that is not
      // there yet (its script is written later), one over streamable HTTP, and exec.
      configure: (config) => {
        config['tools'] = {
          exec: { timeout: 30 },
          mcp_servers: {
            late: { command: process.execPath, args: [script, 'stdio'] },
            web: { url: mcp.url, enabled_tools: ['count', 'echo'], tool_timeout: 10 },
          },
        };
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await mcp?.close();
  });

  /** `nanobot status` until its output matches (the agent publishes changes within a moment). */
  async function statusUntil(pattern: RegExp, timeoutMs = 45_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = (await stack.cluster.nanobot('status')).stdout;
      if (pattern.test(last)) return last;
      await sleep(1_000);
    }
    throw new Error(`nanobot status never matched ${String(pattern)}:\n${last}`);
  }

  it('shows a server that cannot start as retrying with its error, answers meanwhile, and connects it once it can', async () => {
    const down = await statusUntil(/mcp late\s+retrying\s+stdio\s+0 tools\s+failures \d+.*last error .*Cannot find module/);
    expect(down).toMatch(/mcp web\s+connected\s+streamableHttp\s+2 tools/);
    expect(down).toMatch(/agent\s+running/);
    stack.llm.setResponder(() => ({ content: 'still answering' }));
    stack.telegram.injectMessage({ chatId: 9401, text: 'are you there?' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(9401).length > 0, 30_000);
    expect(stack.telegram.sentTo(9401).map((m) => m.visibleText)).toEqual(['still answering']);
    expect(offered(stack.llm.requests().at(-1)).filter((n) => n.startsWith('mcp_')).sort()).toEqual(['mcp_web_count', 'mcp_web_echo']);

    await writeFile(script, `await import(${JSON.stringify(everythingBin)});\n`);
    const up = await statusUntil(/mcp late\s+connected\s+stdio\s+\d+ tools\s+pid \d+/, 90_000);
    stack.telegram.injectMessage({ chatId: 9402, text: 'what tools now?' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(9402).length > 0, 30_000);
    expect(offered(stack.llm.requests().at(-1))).toContain('mcp_late_echo');

    // A graceful restart of the agent ends its stdio server; the new agent starts its own.
    const serverPid = Number(/mcp late\s+connected\s+stdio\s+\d+ tools\s+pid (\d+)/.exec(up)?.[1]);
    expect(isAlive(serverPid)).toBe(true);
    expect((await stack.cluster.pm2('restart', 'nanobot-agent')).code).toBe(0);
    const again = await statusUntil(new RegExp(`mcp late\\s+connected\\s+stdio\\s+\\d+ tools\\s+pid (?!${serverPid}\\b)\\d+`), 60_000);
    expect(again).toMatch(/mcp web\s+connected/);
    expect(isAlive(serverPid)).toBe(false);
  }, 240_000);

  it('does not call an MCP tool again when the agent dies right after the call, and answers once', async () => {
    const chatId = 9403;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    stack.llm.setResponder(async (request) => {
      if (!JSON.stringify(request.body).includes('count-mcp')) return { content: 'unrelated' };
      if (!hasToolResult(request)) return { toolCalls: [{ name: 'mcp_web_count', arguments: {} }] };
      if (!held) {
        held = true;
        await released;
      }
      return { content: 'Counted once.' };
    });
    const before = mcp.calls('count');
    stack.telegram.injectMessage({ chatId, text: 'count-mcp please' });
    await stack.telegram.waitFor(() => held, 30_000);
    expect(mcp.calls('count')).toBe(before + 1);
    const pid = await stack.cluster.pidOf('nanobot-agent');
    process.kill(pid, 'SIGKILL');
    release();
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length > 0, 60_000);
    await sleep(2_000);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['Counted once.']);
    expect(mcp.calls('count')).toBe(before + 1);
    expect(await stack.cluster.pidOf('nanobot-agent')).not.toBe(pid);
  }, 120_000);
});
