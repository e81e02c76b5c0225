import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '@nanobot/config';
import { isVisionModel, selectProvider } from './select-provider.js';

const configOf = (input: ConfigInput) =>
  parseConfig(input, { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot', source: 'test' }).config;

describe('selectProvider', () => {
  it('keeps the vendor prefix for OpenRouter and strips its own prefix', () => {
    const config = configOf({ agents: { defaults: { model: 'openrouter/anthropic/claude-sonnet-4' } }, providers: { openrouter: { apiKey: 'sk-or' } } });
    expect(selectProvider(config)).toMatchObject({ provider: 'openrouter', api: 'openai', model: 'anthropic/claude-sonnet-4', baseUrl: 'https://openrouter.ai/api/v1' });
    const vendor = configOf({ agents: { defaults: { model: 'anthropic/claude-sonnet-4' } }, providers: { openrouter: { apiKey: 'sk-or' } } });
    expect(selectProvider(vendor)).toMatchObject({ provider: 'openrouter', model: 'anthropic/claude-sonnet-4' });
  });

  it('uses the native Anthropic API for a claude model when an Anthropic key is set', () => {
    const config = configOf({
      agents: { defaults: { model: 'claude-sonnet-4-5' } },
      providers: { openai: { apiKey: 'sk-openai' }, anthropic: { apiKey: 'sk-ant', apiBase: 'http://127.0.0.1:9/v1' } },
    });
    expect(selectProvider(config)).toMatchObject({ provider: 'anthropic', api: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: 'http://127.0.0.1:9' });
  });

  it('lets a forced provider win over prefix and keyword', () => {
    const config = configOf({
      agents: { defaults: { provider: 'custom', model: 'anthropic/claude-opus-4-5' } },
      providers: { anthropic: { apiKey: 'sk-ant' }, custom: { apiKey: '', apiBase: 'http://127.0.0.1:8000/v1' } },
    });
    expect(selectProvider(config)).toMatchObject({ provider: 'custom', api: 'openai', model: 'anthropic/claude-opus-4-5', apiKey: 'no-key' });
  });

  it('selects ollama only with an apiBase and strips its prefix', () => {
    const withoutBase = configOf({ agents: { defaults: { model: 'ollama/llama3.2' } }, providers: { ollama: { apiKey: '' } } });
    expect(() => selectProvider(withoutBase)).toThrow(/no LLM provider/);
    const config = configOf({ agents: { defaults: { model: 'ollama/llama3.2' } }, providers: { ollama: { apiBase: 'http://127.0.0.1:11434/v1' } } });
    expect(selectProvider(config)).toMatchObject({ provider: 'ollama', model: 'llama3.2', baseUrl: 'http://127.0.0.1:11434/v1' });
  });

  it('falls back to the first provider with a key', () => {
    const config = configOf({ agents: { defaults: { model: 'some-model' } }, providers: { groq: { apiKey: '' }, deepseek: { apiKey: 'sk-ds' } } });
    expect(selectProvider(config)).toMatchObject({ provider: 'deepseek', model: 'some-model' });
  });

  it('tells which field is missing when a forced provider has no apiBase', () => {
    const config = configOf({ agents: { defaults: { provider: 'vllm' } }, providers: { vllm: { apiKey: 'x' } } });
    expect(() => selectProvider(config)).toThrow(/providers\.vllm\.apiBase/);
  });

  it('recognises vision-capable models by name', () => {
    expect(isVisionModel('gpt-4o-mini')).toBe(true);
    expect(isVisionModel('claude-sonnet-4-5')).toBe(true);
    expect(isVisionModel('deepseek-chat')).toBe(false);
  });
});
