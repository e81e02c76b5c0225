import { readFileSync } from 'node:fs';
import { mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, repoRoot, startFakeLlm, startFakeMcpServer, type FakeLlm, type FakeMcpServer, type LlmRequest } from '@nanobot/testkit';
import { createToolAgent, lastToolResults, signal, type ToolAgent, type ToolAgentOptions } from '../../test-support/tool-agent.js';
import { createMemoryToolJournal } from '../tool-call-journal.js';

const filesystemBin = join(repoRoot, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const everythingBin = join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const fastRetries = { delayMs: () => 300, pingIntervalMs: 300, connectTimeoutMs: 10_000 };

/** Running, not a zombie (a reaped orphan may stay one where PID 1 does not reap). */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const waitUntil = async (check: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};
const toolNames = (request: LlmRequest | undefined) => ((request?.body as { tools?: Array<{ function: { name: string } }> } | null)?.tools ?? []).map((t) => t.function.name);
const toolSpec = (request: LlmRequest | undefined, name: string) =>
  ((request?.body as { tools?: Array<{ function: { name: string; parameters: Record<string, unknown> } }> } | null)?.tools ?? []).find((t) => t.function.name === name)?.function;

describe('MCP servers through the agent loop and the fake LLM', () => {
  let llm: FakeLlm;
  let http: FakeMcpServer;
  const agents: ToolAgent[] = [];
  beforeAll(async () => {
    llm = await startFakeLlm();
    http = await startFakeMcpServer({ requireHeader: { name: 'Authorization', value: 'Bearer mcp-token' } });
  });
  afterAll(async () => {
    await http.close();
    await llm.close();
  });
  beforeEach(() => llm.resetResponder());
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((t) => t.agent.mcp.stop()));
  });

  async function agentWith(servers: Record<string, unknown>, options: ToolAgentOptions = {}): Promise<ToolAgent> {
    const t = await createToolAgent(llm, { mcpTiming: fastRetries, ...options, tools: { ...options.tools, mcpServers: servers } });
    agents.push(t);
    await t.agent.mcp.settled(20_000);
    return t;
  }
  const httpServer = (extra: Record<string, unknown> = {}) => ({ url: http.url, headers: { Authorization: 'Bearer mcp-token' }, ...extra });

  /** One turn: the model makes these calls, then answers 'done'; the results the model saw. */
  async function turn(t: ToolAgent, calls: Array<{ name: string; arguments: Record<string, unknown> }>): Promise<string[]> {
    llm.script({ toolCalls: calls }, { content: 'done' });
    await t.agent.handleTurn(t.message('use the tools'), { signal });
    expect(t.sent.at(-1)?.text).toBe('done');
    // The session's earlier tool results come first in the request: this turn's are the last ones.
    return calls.length === 0 ? [] : lastToolResults(llm).slice(-calls.length);
  }

  it('reads a file through @modelcontextprotocol/server-filesystem over stdio, with the schema the server gives', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'nb-mcp-fs-')));
    await writeFile(join(dir, 'note.txt'), 'the secret word is pelican\n');
    const t = await agentWith({ fs: { command: process.execPath, args: [filesystemBin, dir] } });
    expect(t.agent.mcp.status()['fs']).toMatchObject({ state: 'connected', transport: 'stdio', lastError: null });
    expect(t.agent.mcp.status()['fs']?.tools).toBeGreaterThan(5);
    const results = await turn(t, [{ name: 'mcp_fs_read_text_file', arguments: { path: join(dir, 'note.txt') } }]);
    expect(results).toEqual(['the secret word is pelican\n']);
    const spec = toolSpec(llm.requests().at(-1), 'mcp_fs_read_text_file');
    expect(spec?.parameters).toMatchObject({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
    // The server's own checks answer for paths outside its directory.
    const refused = await turn(t, [{ name: 'mcp_fs_read_text_file', arguments: { path: '/etc/hostname' } }]);
    expect(refused[0]).toMatch(/^Error: .*(denied|outside)/i);
  }, 60_000);

  it('gives a stdio server only PATH, HOME, LANG and its own env, never the agent keys', async () => {
    const env = { PATH: process.env['PATH'], HOME: '/home/agent', LANG: 'C.UTF-8', OPENAI_API_KEY: 'sk-agent-secret', REDIS_PASSWORD: 'redis-secret', NANOBOT_PROVIDERS__CUSTOM__API_KEY: 'sk-env-secret' };
    const t = await agentWith({ every: { command: process.execPath, args: [everythingBin, 'stdio'], env: { SERVER_TOKEN: 'for-the-server' } } }, { env });
    const [result = ''] = await turn(t, [{ name: 'mcp_every_get-env', arguments: {} }]);
    const seen = JSON.parse(result) as Record<string, string>;
    expect(seen).toMatchObject({ PATH: process.env['PATH'], HOME: '/home/agent', LANG: 'C.UTF-8', SERVER_TOKEN: 'for-the-server' });
    expect(result).not.toMatch(/secret/);
  }, 60_000);

  it('calls a server over streamable HTTP with its headers, and one over SSE found by the /sse URL', async () => {
    const t = await agentWith({ web: httpServer(), old: { url: `${http.sseUrl}/`, headers: { Authorization: 'Bearer mcp-token' } } });
    const status = t.agent.mcp.status();
    expect(status['web']).toMatchObject({ state: 'connected', transport: 'streamableHttp', tools: 4 });
    expect(status['old']?.lastError ?? null).toBeNull();
    expect(status['old']).toMatchObject({ state: 'connected', transport: 'sse', tools: 4 });
    const results = await turn(t, [
      { name: 'mcp_web_echo', arguments: { text: 'over http' } },
      { name: 'mcp_old_add', arguments: { a: 2, b: 3 } },
      { name: 'mcp_web_count', arguments: {} },
    ]);
    expect(results[0]).toBe('echo: over http');
    expect(results[1]).toBe('5');
    // Text as it is; an image is named, not pasted as base64.
    expect(results[2]).toMatch(/^count \d+\n\[image image\/png, \d+ bytes, not shown\]$/);
    // Arguments the server's schema refuses come back as an error result.
    const [bad] = await turn(t, [{ name: 'mcp_web_add', arguments: { a: 'two' } }]);
    expect(bad).toMatch(/^Error: /);
  }, 60_000);

  it('registers only the tools enabledTools names (raw or mcp_ names); ["*"] or none means all, [] means none', async () => {
    const t = await agentWith({
      some: httpServer({ enabledTools: ['echo', 'mcp_some_add', 'missing'] }),
      all: httpServer({ enabledTools: ['*'] }),
      every: httpServer(),
      none: httpServer({ enabledTools: [] }),
    });
    const names = t.agent.tools.names().filter((n) => n.startsWith('mcp_'));
    expect(names.filter((n) => n.startsWith('mcp_some_')).sort()).toEqual(['mcp_some_add', 'mcp_some_echo']);
    expect(names.filter((n) => n.startsWith('mcp_all_'))).toHaveLength(4);
    expect(names.filter((n) => n.startsWith('mcp_every_'))).toHaveLength(4);
    expect(names.filter((n) => n.startsWith('mcp_none_'))).toEqual([]);
    expect(t.agent.mcp.status()['none']).toMatchObject({ state: 'connected', tools: 0 });
    await turn(t, [{ name: 'mcp_some_echo', arguments: { text: 'x' } }]);
    expect(toolNames(llm.requests().at(-1))).not.toContain('mcp_some_hang');
    const [refused] = await turn(t, [{ name: 'mcp_some_hang', arguments: {} }]);
    expect(refused).toMatch(/^Error: Tool 'mcp_some_hang' not found/);
  }, 60_000);

  it('ends a call past toolTimeout with an error result, cancels it on the server, and the turn goes on', async () => {
    const t = await agentWith({ slow: httpServer({ toolTimeout: 1 }) });
    const cancelledBefore = http.cancelled();
    const started = Date.now();
    const results = await turn(t, [{ name: 'mcp_slow_hang', arguments: {} }, { name: 'mcp_slow_echo', arguments: { text: 'after' } }]);
    expect(results).toEqual(['Error: MCP tool call timed out after 1s', 'echo: after']);
    expect(Date.now() - started).toBeLessThan(15_000);
    await waitUntil(() => http.cancelled() > cancelledBefore);
    expect(t.agent.mcp.status()['slow']?.state).toBe('connected');
  }, 60_000);

  it('cancels a running MCP call on the server when the turn is stopped (/stop)', async () => {
    const t = await agentWith({ stop: httpServer({ toolTimeout: 60 }) });
    const cancelledBefore = http.cancelled();
    const hangsBefore = http.calls('hang');
    const stop = new AbortController();
    llm.script({ toolCalls: [{ name: 'mcp_stop_hang', arguments: {} }] });
    const outcome = t.agent.handleTurn(t.message('hang on'), { signal: stop.signal });
    await waitUntil(() => http.calls('hang') > hangsBefore);
    stop.abort();
    expect(await outcome).toEqual({ kind: 'cancelled' });
    await waitUntil(() => http.cancelled() > cancelledBefore);
    expect(t.sent).toEqual([]);
  }, 60_000);

  it('answers without a server whose command does not exist, shows why, and keeps retrying', async () => {
    const closedPort = await freePort();
    const t = await agentWith({ gone: { command: 'nanobot-no-such-mcp-server' }, shut: { url: `http://127.0.0.1:${closedPort}/mcp` }, web: httpServer() });
    const gone = t.agent.mcp.status()['gone'];
    expect(gone).toMatchObject({ transport: 'stdio', tools: 0 });
    expect(gone?.lastError).toMatch(/ENOENT/);
    expect(t.agent.mcp.status()['shut']).toMatchObject({ transport: 'streamableHttp', tools: 0, lastError: expect.stringMatching(/ECONNREFUSED/) as unknown });
    await turn(t, [{ name: 'mcp_web_echo', arguments: { text: 'still here' } }]);
    expect(lastToolResults(llm)).toEqual(['echo: still here']);
    await waitUntil(() => (t.agent.mcp.status()['gone']?.consecutiveFailures ?? 0) >= 3);
    expect(t.agent.mcp.status()['gone']).toMatchObject({ state: expect.stringMatching(/retrying|connecting/) as unknown });
  }, 60_000);

  it('connects a stdio server once it becomes available, with the stderr of the failed starts in the status', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nb-mcp-late-'));
    const script = join(dir, 'server.mjs');
    const t = await agentWith({ late: { command: process.execPath, args: [script, 'stdio'] } });
    expect(t.agent.mcp.status()['late']?.lastError).toMatch(/Cannot find module/);
    expect(t.agent.tools.names().some((n) => n.startsWith('mcp_late_'))).toBe(false);
    await writeFile(script, `await import(${JSON.stringify(everythingBin)});\n`);
    await waitUntil(() => t.agent.mcp.status()['late']?.state === 'connected');
    const [result] = await turn(t, [{ name: 'mcp_late_echo', arguments: { message: 'hello late' } }]);
    expect(result).toContain('hello late');
  }, 60_000);

  it('takes the tools of a stdio server that died away, restarts it, and kills it with its group on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nb-mcp-group-'));
    // A wrapper that leaves a child behind, as `npx` does: the child goes with the group.
    const command = `sleep 300 & echo $! >> ${join(dir, 'children')}; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(everythingBin)} stdio`;
    const t = await agentWith({ every: { command: 'bash', args: ['-c', command] } });
    const children = () => readFileSync(join(dir, 'children'), 'utf8').trim().split('\n').map(Number);
    const first = t.agent.mcp.status()['every']?.pid ?? 0;
    expect(isAlive(first)).toBe(true);
    expect(children().map(isAlive)).toEqual([true]);
    process.kill(first, 'SIGKILL');
    await waitUntil(() => t.agent.mcp.status()['every']?.state !== 'connected');
    expect(t.agent.tools.has('mcp_every_echo')).toBe(false);
    await waitUntil(() => t.agent.mcp.status()['every']?.state === 'connected');
    const second = t.agent.mcp.status()['every']?.pid ?? 0;
    expect(second).not.toBe(first);
    expect(t.agent.mcp.status()['every']).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringMatching(/closed/) as unknown });
    expect(t.agent.tools.has('mcp_every_echo')).toBe(true);
    await waitUntil(() => !isAlive(children()[0] ?? 0));
    expect(children().map(isAlive)).toEqual([false, true]);
    await t.agent.mcp.stop();
    expect(isAlive(second)).toBe(false);
    await waitUntil(() => children().every((pid) => !isAlive(pid)));
    expect(t.agent.mcp.status()['every']).toMatchObject({ state: 'stopped', tools: 0 });
  }, 60_000);

  it('does not run a completed MCP call again when the turn runs again (the tool-call journal)', async () => {
    const journal = createMemoryToolJournal();
    const t = await agentWith({ rec: httpServer() }, { journal });
    const message = t.message('count once');
    const before = http.calls('count');
    let answers = 0;
    llm.setResponder(() => {
      answers += 1;
      if (answers > 1) return { content: 'Counted.' };
      // The model goes down right after asking for the call: the turn is put back after it ran.
      llm.setFault({ kind: 'status', status: 503, times: 1 });
      return { toolCalls: [{ name: 'mcp_rec_count', arguments: {} }] };
    });
    expect(await t.agent.handleTurn(message, { signal })).toMatchObject({ kind: 'unavailable' });
    expect(http.calls('count')).toBe(before + 1);
    expect(await t.agent.handleTurn(message, { signal })).toEqual({ kind: 'done' });
    expect(http.calls('count')).toBe(before + 1);
    expect(lastToolResults(llm).at(-1)).toMatch(/^count \d+/);
    expect(t.sent.map((r) => r.text)).toEqual(['Counted.']);
  }, 60_000);

  it('runs a nanobot config with tools.mcp_servers and tools.exec in snake_case unchanged', async () => {
    const tools = {
      restrict_to_workspace: true,
      exec: { timeout: 30, path_append: '/usr/sbin' },
      mcp_servers: { nano: { url: http.url, headers: { Authorization: 'Bearer mcp-token' }, tool_timeout: 5, enabled_tools: ['echo', 'mcp_nano_hang'] } },
    };
    const t = await createToolAgent(llm, { tools, mcpTiming: fastRetries });
    agents.push(t);
    await t.agent.mcp.settled(20_000);
    expect(t.agent.tools.names().filter((n) => n.startsWith('mcp_')).sort()).toEqual(['mcp_nano_echo', 'mcp_nano_hang']);
    const results = await turn(t, [
      { name: 'exec', arguments: { command: 'echo from exec' } },
      { name: 'mcp_nano_echo', arguments: { text: 'from mcp' } },
    ]);
    expect(results).toEqual(['from exec\n\nExit code: 0', 'echo: from mcp']);
  }, 60_000);

  it('reconnects a server a call found gone, and tells the model so', async () => {
    const own = await startFakeMcpServer();
    const t = await agentWith({ own: { url: own.url } }, { mcpTiming: { ...fastRetries, pingIntervalMs: 600_000 } });
    await own.close();
    const [result] = await turn(t, [{ name: 'mcp_own_echo', arguments: { text: 'anyone?' } }]);
    expect(result).toMatch(/^Error: MCP server own is not reachable \(.*\); its tools are back once it reconnects$/);
    await waitUntil(() => t.agent.mcp.status()['own']?.state === 'retrying');
    expect(t.agent.tools.has('mcp_own_echo')).toBe(false);
    const back = await startFakeMcpServer({ port: own.port });
    try {
      await waitUntil(() => t.agent.mcp.status()['own']?.state === 'connected');
      expect(t.agent.tools.has('mcp_own_echo')).toBe(true);
    } finally {
      await t.agent.mcp.stop();
      await back.close();
    }
  }, 60_000);

  it('notices an HTTP server that went away by its ping, and reconnects when it is back on its port', async () => {
    const own = await startFakeMcpServer();
    const t = await agentWith({ own: { url: own.url } });
    expect(t.agent.mcp.status()['own']?.state).toBe('connected');
    await own.close();
    await waitUntil(() => t.agent.mcp.status()['own']?.state === 'retrying');
    expect(t.agent.tools.has('mcp_own_echo')).toBe(false);
    llm.script({ content: 'done' });
    await t.agent.handleTurn(t.message('anything there?'), { signal });
    expect(toolNames(llm.requests().at(-1))).not.toContain('mcp_own_echo');
    const back = await startFakeMcpServer({ port: own.port });
    try {
      await waitUntil(() => t.agent.mcp.status()['own']?.state === 'connected');
      expect(await turn(t, [{ name: 'mcp_own_echo', arguments: { text: 'back' } }])).toEqual(['echo: back']);
    } finally {
      await t.agent.mcp.stop();
      await back.close();
    }
  }, 60_000);
});
