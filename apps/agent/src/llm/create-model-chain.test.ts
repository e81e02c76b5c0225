import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '@nanobot/config';
import { isAppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createModelChain } from './create-model-chain.js';

const log = createLogger({ name: 'test', level: 'silent' });
const configOf = (input: ConfigInput) =>
  parseConfig(input, { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot', source: 'test' }).config;
const ask = { messages: [{ role: 'user' as const, content: 'hello' }] };
const signal = () => new AbortController().signal;

describe('the model chain against the fake LLM', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());
  beforeEach(() => {
    llm.clearFaults();
    llm.setLatency(0);
  });

  it.each([
    ['openrouter', 'openrouter/meta-llama/llama-3.3-70b', 'meta-llama/llama-3.3-70b'],
    ['custom', 'my-model', 'my-model'],
    ['ollama', 'ollama/llama3.2', 'llama3.2'],
  ])('sends an OpenAI-compatible request for %s with the model %s', async (provider, model, sent) => {
    const before = llm.requests().length;
    const chain = createModelChain({ config: configOf({ agents: { defaults: { model } }, providers: { [provider]: { apiKey: 'sk-test', apiBase: llm.baseUrl } } }), log });
    const result = await chain.complete(ask, { signal: signal() });
    const request = llm.requests()[before];
    expect(result.text).toBe('echo: hello');
    expect(request).toMatchObject({ path: '/v1/chat/completions', model: sent });
    expect(request?.headers.authorization).toBe('Bearer sk-test');
  });

  it('speaks the native Messages API to Anthropic, tool calls included', async () => {
    const before = llm.requests().length;
    const config = configOf({ agents: { defaults: { model: 'anthropic/claude-sonnet-4-5' } }, providers: { anthropic: { apiKey: 'sk-ant', apiBase: llm.baseUrl } } });
    llm.script({ content: 'looking', toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] });
    const chain = createModelChain({ config, log });
    const result = await chain.complete({ ...ask, tools: [{ name: 'list_dir', description: 'list', parameters: { type: 'object' } }] }, { signal: signal() });
    const request = llm.requests()[before];
    expect(request).toMatchObject({ path: '/v1/messages', model: 'claude-sonnet-4-5' });
    expect(request?.headers['x-api-key']).toBe('sk-ant');
    expect(result).toMatchObject({ text: 'looking', toolCalls: [{ name: 'list_dir', argumentsJson: '{"path":"."}' }] });
  });

  it('retries a 429 after the Retry-After delay and then answers', async () => {
    const config = configOf({ agents: { defaults: { model: 'm1' } }, providers: { custom: { apiBase: llm.baseUrl } } });
    llm.setFault({ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 });
    const before = llm.requests().length;
    const result = await createModelChain({ config, log }).complete(ask, { signal: signal() });
    const [first, second] = llm.requests().slice(before);
    expect(result.text).toBe('echo: hello');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('falls back to the second model when the first answers 500', async () => {
    const config = configOf({ agents: { defaults: { model: 'primary', fallbackModels: ['backup'] } }, providers: { custom: { apiBase: llm.baseUrl } } });
    llm.setFault({ kind: 'status', status: 500 }, { model: 'primary' });
    const before = llm.requests().length;
    const result = await createModelChain({ config, log, maxRetries: 1 }).complete(ask, { signal: signal() });
    expect(result).toMatchObject({ text: 'echo: hello', model: 'backup' });
    expect(llm.requests().slice(before).map((r) => r.model)).toEqual(['primary', 'primary', 'backup']);
  });

  it('reports a passing failure when the fallback model is rejected, so the turn waits for the first', async () => {
    const config = configOf({ agents: { defaults: { model: 'down', fallbackModels: ['unauthorised'] } }, providers: { custom: { apiBase: llm.baseUrl } } });
    llm.setFault({ kind: 'status', status: 503 }, { model: 'down' });
    llm.setFault({ kind: 'status', status: 401 }, { model: 'unauthorised' });
    const error = await createModelChain({ config, log, maxRetries: 0 }).complete(ask, { signal: signal() }).catch((e: unknown) => e);
    expect(isAppError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as { details?: unknown }).details).toMatchObject({ model: 'down', status: 503 });
  });

  it.each([
    [529, 'LLM_UNAVAILABLE'],
    [502, 'LLM_UNAVAILABLE'],
    [429, 'LLM_UNAVAILABLE'],
    [401, 'LLM_REJECTED'],
    [403, 'LLM_REJECTED'],
  ] as const)('classifies %i as %s', async (status, code) => {
    const config = configOf({ agents: { defaults: { model: `s${status}` } }, providers: { custom: { apiBase: llm.baseUrl } } });
    llm.setFault({ kind: 'status', status }, { model: `s${status}` });
    const error = await createModelChain({ config, log, maxRetries: 0 }).complete(ask, { signal: signal() }).catch((e: unknown) => e);
    expect(isAppError(error, code)).toBe(true);
  });

  it('names a prompt the model cannot take, without repeating the provider message', async () => {
    const config = configOf({ agents: { defaults: { model: 'small' } }, providers: { custom: { apiBase: llm.baseUrl } } });
    const body = { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } };
    llm.setFault({ kind: 'status', status: 400, body }, { model: 'small' });
    const error = await createModelChain({ config, log, maxRetries: 0 }).complete(ask, { signal: signal() }).catch((e: unknown) => e);
    expect(isAppError(error, 'LLM_REJECTED')).toBe(true);
    expect((error as { details?: unknown }).details).toEqual({ provider: 'custom', model: 'small', status: 400, reason: 'context_too_long' });
  });

  it('gives up on a request that takes longer than the timeout', async () => {
    const config = configOf({ agents: { defaults: { model: 'slow' } }, providers: { custom: { apiBase: llm.baseUrl } } });
    llm.setFault({ kind: 'hang' }, { model: 'slow' });
    const started = Date.now();
    const error = await createModelChain({ config, log, maxRetries: 0, timeoutMs: 300 }).complete(ask, { signal: signal() }).catch((e: unknown) => e);
    expect(isAppError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('does not try the fallback when the turn is cancelled', async () => {
    const config = configOf({ agents: { defaults: { model: 'slow2', fallbackModels: ['backup2'] } }, providers: { custom: { apiBase: llm.baseUrl } } });
    llm.setFault({ kind: 'hang' }, { model: 'slow2' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(createModelChain({ config, log }).complete(ask, { signal: controller.signal })).rejects.toThrow();
    expect(llm.requests().some((r) => r.model === 'backup2')).toBe(false);
  });
});
