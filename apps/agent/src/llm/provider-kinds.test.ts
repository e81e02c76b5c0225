import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm, type LlmRequest } from '@nanobot/testkit';
import type { ChatMessage, ToolSpec } from './chat-types.js';
import { createModelChain } from './create-model-chain.js';

/**
 * Every way of reaching a model, each against the loopback fake speaking that API's real
 * shape: the URL path, the headers and the body the official SDKs send, and the answer parsed
 * back (text, tool calls, usage with cached tokens).
 */
const log = createLogger({ name: 'test', level: 'silent' });
const configOf = (input: ConfigInput) =>
  parseConfig(input, { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot', source: 'test' }).config;
const signal = () => new AbortController().signal;
const system: ChatMessage = { role: 'system', content: 'You are nanobot.' };
const ask: ChatMessage[] = [system, { role: 'user', content: 'hello' }];
const tools: ToolSpec[] = [
  { name: 'list_dir', description: 'List a directory', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
];

// Bodies are read field by field; their shape is what the provider APIs define.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let llm: FakeLlm;
beforeAll(async () => {
  // Every prefix counts, so small test prompts show cache hits.
  llm = await startFakeLlm({ promptCache: { minTokens: 0, incrementTokens: 1 } });
});
afterAll(async () => llm.close());

async function ask1(input: ConfigInput, messages: ChatMessage[] = ask, withTools: ToolSpec[] = []) {
  const before = llm.requests().length;
  const chain = createModelChain({ config: configOf(input), log, maxRetries: 0 });
  const result = await chain.complete({ messages, tools: withTools }, { signal: signal() });
  const request = llm.requests()[before] as LlmRequest;
  return { result, request, body: request.body as Json };
}

describe('Azure OpenAI', () => {
  const azure = (extra: Record<string, unknown> = {}): ConfigInput => ({
    agents: { defaults: { provider: 'azure_openai', model: 'my-gpt4o-deployment', temperature: 0.3 } },
    providers: { azureOpenai: { apiKey: 'az-secret', apiBase: llm.origin, ...extra } },
  });

  it('posts to the deployment URL with the api-version query and the key in api-key', async () => {
    const { result, request, body } = await ask1(azure());
    expect(result.text).toBe('echo: hello');
    expect(request).toMatchObject({ api: 'azure', path: '/openai/deployments/my-gpt4o-deployment/chat/completions', deployment: 'my-gpt4o-deployment' });
    expect(request.query).toEqual({ 'api-version': '2024-10-21' });
    expect(request.headers['api-key']).toBe('az-secret');
    expect(request.headers.authorization).toBeUndefined();
    expect(body).toMatchObject({ max_completion_tokens: 8192, temperature: 0.3 });
    expect(body.max_tokens).toBeUndefined();
  });

  it('takes the api version from apiVersion or extraQuery, and leaves temperature out for reasoning deployments', async () => {
    const { request, body } = await ask1({ ...azure({ apiVersion: '2025-04-01-preview' }), agents: { defaults: { provider: 'azure_openai', model: 'o4-mini' } } });
    expect(request).toMatchObject({ path: '/openai/deployments/o4-mini/chat/completions', query: { 'api-version': '2025-04-01-preview' } });
    expect(body.temperature).toBeUndefined();
    const viaQuery = await ask1(azure({ extraQuery: { 'api-version': '2024-12-01-preview' } }));
    expect(viaQuery.request.query).toEqual({ 'api-version': '2024-12-01-preview' });
  });

  it('takes the resource endpoint with or without its /openai/ path', async () => {
    const { request } = await ask1({
      agents: { defaults: { provider: 'azure_openai', model: 'dep' } },
      providers: { azure_openai: { apiKey: 'k', apiBase: `${llm.origin}/openai/` } },
    });
    expect(request.path).toBe('/openai/deployments/dep/chat/completions');
  });

  it('is refused by the fake, as by Azure, without the key header or the version', async () => {
    const noKey = await fetch(`${llm.origin}/openai/deployments/d/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noKey.status).toBe(401);
    const noVersion = await fetch(`${llm.origin}/openai/deployments/d/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'k' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noVersion.status).toBe(404);
  });
});

describe('OpenAI Responses API (providers.openai.apiType)', () => {
  const openai = (apiType: string): ConfigInput => ({
    agents: { defaults: { model: 'gpt-4.1-mini' } },
    providers: { openai: { apiKey: 'sk-openai', apiBase: llm.baseUrl, apiType } } as ConfigInput['providers'],
  });

  it('sends instructions and input items to /v1/responses and reads text and tool calls back', async () => {
    llm.script({ content: 'looking', toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] });
    const first = await ask1(openai('responses'), ask, tools);
    expect(first.request).toMatchObject({ api: 'responses', path: '/v1/responses', model: 'gpt-4.1-mini' });
    expect(first.request.headers.authorization).toBe('Bearer sk-openai');
    expect(first.body).toMatchObject({ instructions: 'You are nanobot.', store: false, max_output_tokens: 8192, tool_choice: 'auto' });
    expect(first.body.input).toEqual([{ role: 'user', content: [{ type: 'input_text', text: 'hello' }] }]);
    expect(first.body.tools[0]).toMatchObject({ type: 'function', name: 'list_dir', parameters: { type: 'object' } });
    expect(first.result.text).toBe('looking');
    const call = first.result.toolCalls[0];
    expect(call).toMatchObject({ name: 'list_dir', argumentsJson: '{"path":"."}' });

    const followUp: ChatMessage[] = [
      ...ask,
      { role: 'assistant', content: 'looking', toolCalls: first.result.toolCalls },
      { role: 'tool', toolCallId: call?.id ?? '', name: 'list_dir', content: 'a.txt' },
    ];
    const second = await ask1(openai('responses'), followUp, tools);
    expect(second.body.input.slice(1)).toEqual([
      { role: 'assistant', content: 'looking' },
      { type: 'function_call', call_id: call?.id, name: 'list_dir', arguments: '{"path":"."}' },
      { type: 'function_call_output', call_id: call?.id, output: 'a.txt' },
    ]);
    expect(second.result.text).toBe('echo: hello');
    // The second request repeats the first one's tools, instructions and user message.
    expect(second.result.usage.cachedTokens).toBeGreaterThan(0);
  });

  it('keeps Chat Completions for chat_completions and chat', async () => {
    for (const apiType of ['chat_completions', 'chat', 'auto']) {
      const { request } = await ask1(openai(apiType));
      expect(request).toMatchObject({ api: 'openai', path: '/v1/chat/completions' });
    }
  });
});

describe('the Anthropic Messages API and its vendors', () => {
  it('sends Anthropic its headers, the temperature and cache breakpoints on the stable prefix', async () => {
    const history: ChatMessage[] = [system, { role: 'user', content: 'first' }, { role: 'assistant', content: 'echo: first' }, { role: 'user', content: 'second' }];
    const input: ConfigInput = { agents: { defaults: { model: 'claude-sonnet-4-5', temperature: 0.4 } }, providers: { anthropic: { apiKey: 'sk-ant', apiBase: llm.baseUrl } } };
    const { request, body } = await ask1(input, history, tools);
    expect(request).toMatchObject({ api: 'anthropic', path: '/v1/messages' });
    expect(request.headers['x-api-key']).toBe('sk-ant');
    expect(request.headers['anthropic-version']).toBeDefined();
    expect(body.temperature).toBe(0.4);
    const marker = { type: 'ephemeral' };
    expect(body.system).toEqual([{ type: 'text', text: 'You are nanobot.', cache_control: marker }]);
    expect(body.tools.map((t: Json) => t.cache_control)).toEqual([undefined, marker]);
    // Older history (the message before the last) and the end of the prompt carry breakpoints.
    expect(body.messages.map((m: Json) => (typeof m.content === 'string' ? undefined : m.content.at(-1).cache_control))).toEqual([undefined, marker, marker]);
  });

  it('leaves temperature out for the models that refuse it', async () => {
    const { body } = await ask1({ agents: { defaults: { model: 'claude-opus-4-7' } }, providers: { anthropic: { apiKey: 'k', apiBase: llm.baseUrl } } });
    expect(body.temperature).toBeUndefined();
  });

  it('reaches MiniMax at its /anthropic endpoint with the key in x-api-key', async () => {
    const { result, request } = await ask1({
      agents: { defaults: { provider: 'minimax_anthropic', model: 'MiniMax-M2' } },
      providers: { minimax_anthropic: { apiKey: 'mm-key', apiBase: `${llm.origin}/anthropic` } },
    });
    expect(result.text).toBe('echo: hello');
    expect(request).toMatchObject({ api: 'anthropic', path: '/anthropic/v1/messages', model: 'MiniMax-M2' });
    expect(request.headers['x-api-key']).toBe('mm-key');
    expect(request.headers.authorization).toBeUndefined();
  });

  it("reaches Kimi Coding at /coding/v1 with the coding agent's User-Agent nanobot sends", async () => {
    const { result, request } = await ask1({
      agents: { defaults: { model: 'kimi-for-coding' } },
      providers: { kimiCoding: { apiKey: 'sk-kimi', apiBase: `${llm.origin}/coding/v1` } },
    });
    expect(result.text).toBe('echo: hello');
    expect(request).toMatchObject({ api: 'anthropic', path: '/coding/v1/messages', model: 'kimi-for-coding' });
    expect(request.headers['user-agent']).toBe('claude-code/0.1.0');
    expect(request.headers['x-api-key']).toBe('sk-kimi');
  });

  it('reads cache reads and writes from the usage, counting them in the prompt', async () => {
    const input: ConfigInput = { agents: { defaults: { model: 'claude-haiku-4-5' } }, providers: { anthropic: { apiKey: 'k', apiBase: llm.baseUrl } } };
    const first = await ask1(input, ask, tools);
    expect(first.result.usage.cacheWriteTokens).toBeGreaterThan(0);
    const again: ChatMessage[] = [...ask, { role: 'assistant', content: 'echo: hello' }, { role: 'user', content: 'more' }];
    const second = await ask1(input, again, tools);
    const { promptTokens, cachedTokens = 0 } = second.result.usage;
    expect(cachedTokens).toBeGreaterThan(0);
    expect(promptTokens).toBeGreaterThan(cachedTokens);
  });
});

describe('OpenAI-compatible providers of the registry', () => {
  it('posts Chat Completions under the base path given, with a Bearer key and the extra query', async () => {
    const { result, request } = await ask1({
      agents: { defaults: { model: 'glm-4.6' } },
      providers: { zhipu: { apiKey: 'zp-key', apiBase: `${llm.origin}/api/paas/v4`, extraQuery: { tenant: 't1' } } },
    });
    expect(result.text).toBe('echo: hello');
    expect(request).toMatchObject({ api: 'openai', path: '/api/paas/v4/chat/completions', model: 'glm-4.6', query: { tenant: 't1' } });
    expect(request.headers.authorization).toBe('Bearer zp-key');
  });

  it('reads cached_tokens from prompt_tokens_details', async () => {
    const input: ConfigInput = { agents: { defaults: { model: 'deepseek-chat' } }, providers: { deepseek: { apiKey: 'k', apiBase: llm.baseUrl } } };
    await ask1(input, ask, tools);
    const { result } = await ask1(input, [...ask, { role: 'assistant', content: 'echo: hello' }, { role: 'user', content: 'again' }], tools);
    expect(result.usage.cachedTokens).toBeGreaterThan(0);
    expect(result.usage.promptTokens).toBeGreaterThan(result.usage.cachedTokens ?? 0);
  });
});
