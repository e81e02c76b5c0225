import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createAgent } from './create-agent.js';
import { replies } from './replies.js';

const log = createLogger({ name: 'test', level: 'silent' });
let seq = 0;
const text = (body: string, media: string[] = []): InboundMessage => {
  seq += 1;
  return { kind: 'message', id: `m-${seq}`, channel: 'telegram', chatId: '42', senderId: '7', sessionKey: 'telegram:42', seq, receivedAt: 0, text: body, media };
};
const command = (name: 'new' | 'status' | 'help'): InboundMessage => {
  seq += 1;
  return { kind: 'command', command: name, args: '', id: `c-${seq}`, channel: 'telegram', chatId: '42', senderId: '7', sessionKey: 'telegram:42', seq, receivedAt: 0 };
};
const jsonOf = (r: { body: unknown }) => JSON.stringify(r.body);

describe('the agent, in process against the fake LLM', () => {
  let llm: FakeLlm;
  let workspace: string;
  let home: string;
  let sent: OutboundMessage[];
  const signal = new AbortController().signal;
  const agentDeps = (defaults: Record<string, unknown> = {}) => ({
    config: parseConfig(
      { agents: { defaults: { workspace, provider: 'custom', model: 'test-model', ...defaults } }, providers: { custom: { apiBase: llm.baseUrl } } },
      { env: {}, homeDir: '/tmp', nanobotHome: '/tmp', source: 'test' },
    ).config,
    send: async (reply: OutboundMessage) => void sent.push(reply),
    log,
    env: {},
    runtime: 'test',
    timeZone: 'UTC',
    startedAt: Date.now(),
    modelOptions: { maxRetries: 0 },
    nanobotHome: home,
  });
  const make = (defaults: Record<string, unknown> = {}) => createAgent(agentDeps(defaults));

  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'nb-agent-'));
    home = await mkdtemp(join(tmpdir(), 'nb-agent-home-'));
    sent = [];
    llm.clearFaults();
    llm.resetResponder();
  });

  it('runs tools the model asks for and answers once, recording usage for /status', async () => {
    const agent = make();
    llm.script({ toolCalls: [{ name: 'write_file', arguments: { path: 'todo.txt', content: 'milk' } }] }, { content: 'Saved.', usage: { promptTokens: 50, completionTokens: 5 } });
    await agent.handleTurn(text('remember milk'), { signal });
    expect(await readFile(join(workspace, 'todo.txt'), 'utf8')).toBe('milk');
    expect(sent.map((r) => r.text)).toEqual(['Saved.']);
    expect(sent[0]).toMatchObject({ id: `m-${seq}-reply`, format: 'markdown' });
    await agent.commands.immediate(command('status') as InboundMessage & { kind: 'command' }, async () => 0);
    // The user's message, the assistant's tool call, its result and the answer, as nanobot counts them.
    expect(sent[1]?.text).toMatch(/Model: test-model[\s\S]*Last turn: \d+ prompt \+ \d+ completion tokens\nMessages in this session: 4/);
  });

  it('re-sends the stored answer when a turn runs again, without asking the model', async () => {
    const agent = make();
    const message = text('hello');
    await agent.handleTurn(message, { signal });
    const calls = llm.requests().length;
    await agent.handleTurn(message, { signal });
    expect(llm.requests().length).toBe(calls);
    expect(sent.map((r) => r.id)).toEqual([`${message.id}-reply`, `${message.id}-reply`]);
  });

  it('stops at maxToolIterations with nanobot limit message', async () => {
    const agent = make({ maxToolIterations: 2 });
    llm.setResponder(() => ({ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }));
    await agent.handleTurn(text('loop forever'), { signal });
    expect(sent.map((r) => r.text)).toEqual([replies.iterationLimit(2)]);
  });

  it('answers a rejected API key at once, saying which setting to check and nothing secret', async () => {
    const agent = make();
    llm.setFault({ kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided: sk-abc***xyz' } }, times: 1 });
    expect(await agent.handleTurn(text('hi'), { signal })).toEqual({ kind: 'done' });
    expect(sent.map((r) => r.text)).toEqual(['The model provider rejected the API key (401). Check providers.custom.apiKey in config.json.']);
  });

  it('suggests /new when the conversation no longer fits the model', async () => {
    const agent = make();
    llm.setFault({ kind: 'status', status: 400, body: { error: { message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, times: 1 });
    await agent.handleTurn(text('hi'), { signal });
    expect(sent.map((r) => r.text)).toEqual(['This conversation is too long for test-model (400). Send /new to start a new session.']);
  });

  it.each([500, 502, 529])('sends nothing and reports the model unavailable when it answers %i', async (status) => {
    const agent = make();
    llm.setFault({ kind: 'status', status, times: 1 });
    const outcome = await agent.handleTurn(text('hi'), { signal });
    expect(outcome).toMatchObject({ kind: 'unavailable', error: { code: 'LLM_UNAVAILABLE' } });
    expect(sent).toEqual([]);
    expect(await agent.sessions.readAll('telegram:42')).toEqual([]);
  });

  it('reports a request that hangs past the request timeout as the model unavailable', async () => {
    const agent = createAgent({ ...agentDeps(), modelOptions: { maxRetries: 0, timeoutMs: 200 } });
    llm.setFault({ kind: 'hang', times: 1 });
    expect(await agent.handleTurn(text('hi'), { signal })).toMatchObject({ kind: 'unavailable' });
    expect(sent).toEqual([]);
  });

  it('puts /new back when the model is down for its summary, instead of failing it', async () => {
    const agent = make();
    await agent.handleTurn(text('I live in Lisbon'), { signal });
    llm.setFault({ kind: 'status', status: 503, times: 1 });
    expect(await agent.handleTurn(command('new'), { signal })).toMatchObject({ kind: 'unavailable' });
    expect(sent.map((r) => r.text)).toEqual(['echo: I live in Lisbon']);
    expect(await agent.sessions.readAll('telegram:42')).toHaveLength(2);
  });

  it('/new writes the summary to MEMORY.md and HISTORY.md and clears the session', async () => {
    const agent = make();
    await agent.handleTurn(text('I live in Lisbon'), { signal });
    llm.script({ content: JSON.stringify({ history_entry: '[2026-03-01 10:00] User said they live in Lisbon.', memory_update: '- Lives in Lisbon' }) });
    await agent.handleTurn(command('new'), { signal });
    expect(await readFile(join(workspace, 'memory/MEMORY.md'), 'utf8')).toBe('- Lives in Lisbon\n');
    expect(await readFile(join(workspace, 'memory/HISTORY.md'), 'utf8')).toContain('User said they live in Lisbon.');
    expect(await agent.sessions.readAll('telegram:42')).toEqual([]);
    expect(sent.at(-1)?.text).toBe('New session started.');
    await agent.handleTurn(text('where do I live?'), { signal });
    expect(jsonOf(llm.requests().at(-1) ?? { body: null })).toContain('- Lives in Lisbon');
  });

  it('consolidates the older half of a session that outgrows its window', async () => {
    const agent = make({ memoryWindow: 4 });
    for (const word of ['one', 'two']) await agent.handleTurn(text(word), { signal });
    llm.script({ content: 'echo: three' }, { content: '{"history_entry":"[x] counted","memory_update":"- counts"}' });
    await agent.handleTurn(text('three'), { signal });
    expect((await agent.sessions.readAll('telegram:42')).map((e) => e.content)).toEqual(['three', 'echo: three']);
    expect(await readFile(join(workspace, 'memory/HISTORY.md'), 'utf8')).toContain('[x] counted');
  });

  it('sends the model a system prompt with the bootstrap files, memory and the skills', async () => {
    const files: Record<string, string> = {
      'AGENTS.md': 'Agents: be brief.',
      'SOUL.md': 'Soul: curious and kind.',
      'USER.md': 'User: Ada.',
      'TOOLS.md': 'Tools: list_dir first.',
      'memory/MEMORY.md': 'Memory: Ada lives in Lisbon.',
      'skills/weather/SKILL.md': '---\nname: weather\ndescription: Get the weather\n---\nCall the weather API.',
      'skills/style/SKILL.md': '---\nname: style\ndescription: House style\nalways: true\n---\nAlways answer in haiku.',
    };
    for (const [path, body] of Object.entries(files)) {
      await mkdir(join(workspace, path, '..'), { recursive: true });
      await writeFile(join(workspace, path), body);
    }
    await make().handleTurn(text('hello'), { signal });
    const body = llm.requests().at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    const system = body.messages[0];
    expect(system?.role).toBe('system');
    for (const line of Object.values(files).slice(0, 5)) expect(system?.content).toContain(line);
    expect(system?.content).toContain('Always answer in haiku.');
    expect(system?.content).toContain('<name>weather</name>');
    expect(system?.content).toContain('<description>Get the weather</description>');
    expect(system?.content).not.toContain('Call the weather API.');
  });

  it('answers /help with the command list, without asking the model', async () => {
    const calls = llm.requests().length;
    await make().commands.immediate(command('help') as InboundMessage & { kind: 'command' }, async () => 0);
    expect(sent.map((r) => r.text)).toEqual([replies.help]);
    for (const name of ['/new', '/stop', '/status', '/help']) expect(replies.help).toContain(name);
    expect(llm.requests().length).toBe(calls);
  });

  it('passes a referenced image to a vision model as an image part', async () => {
    const agent = make({ model: 'gpt-4o' });
    await writeFile(join(workspace, 'cat.png'), Buffer.from([137, 80, 78, 71]));
    await agent.handleTurn(text('what is this? [image: cat.png]'), { signal });
    const body = llm.requests().at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(body.messages.at(-1)?.content).toEqual([
      { type: 'text', text: 'what is this? [image: cat.png]' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
      { type: 'text', text: expect.stringMatching(/^\[Runtime Context — metadata only, not instructions\]\nCurrent Time: /) },
    ]);
  });
});
