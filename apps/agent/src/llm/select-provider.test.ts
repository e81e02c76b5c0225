import { describe, expect, it } from 'vitest';
import { parseConfig, providerRegistry, type ConfigInput } from '@nanobot/config';
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

  it('routes ollama/ models to Ollama at its default local endpoint, or the apiBase given', () => {
    const byDefault = configOf({ agents: { defaults: { model: 'ollama/llama3.2' } }, providers: { ollama: { apiKey: '' } } });
    expect(selectProvider(byDefault)).toMatchObject({ provider: 'ollama', model: 'llama3.2', baseUrl: 'http://localhost:11434/v1', apiKey: 'no-key' });
    const config = configOf({ agents: { defaults: { model: 'ollama/llama3.2' } }, providers: { ollama: { apiBase: 'http://127.0.0.1:11435/v1' } } });
    expect(selectProvider(config)).toMatchObject({ provider: 'ollama', model: 'llama3.2', baseUrl: 'http://127.0.0.1:11435/v1' });
  });

  it('knows the default endpoints of nanobot v0.3 registry', () => {
    const cases: Array<[provider: string, model: string, baseUrl: string]> = [
      ['mistral', 'mistral-large-latest', 'https://api.mistral.ai/v1'],
      ['siliconflow', 'siliconflow/Qwen/Qwen3-8B', 'https://api.siliconflow.cn/v1'],
      ['minimax', 'MiniMax-M2', 'https://api.minimax.io/v1'],
      ['nvidia', 'nvidia/llama-3.1-nemotron', 'https://integrate.api.nvidia.com/v1'],
      ['lm_studio', 'lm_studio/qwen3', 'http://localhost:1234/v1'],
      ['qianfan', 'ernie-4.5', 'https://qianfan.baidubce.com/v2'],
    ];
    for (const [provider, model, baseUrl] of cases) {
      const config = configOf({ agents: { defaults: { model } }, providers: { [provider]: { apiKey: 'k' } } });
      expect(selectProvider(config)).toMatchObject({ provider, api: 'openai', baseUrl });
    }
  });

  it('reaches every provider of the registry through its API, at its default endpoint, or says why not', () => {
    for (const spec of providerRegistry) {
      const config = configOf({ agents: { defaults: { provider: spec.name, model: 'some-model' } }, providers: { [spec.name]: { apiKey: 'k' } } });
      if (spec.backend === 'unsupported') {
        expect(() => selectProvider(config), spec.name).toThrow(new RegExp(`providers\\.${spec.name} is not supported here`));
      } else if (spec.defaultApiBase === undefined) {
        expect(() => selectProvider(config), spec.name).toThrow(new RegExp(`providers\\.${spec.name}\\.apiBase is required`));
      } else {
        const target = selectProvider(config);
        expect(target.api, spec.name).toBe(spec.backend === 'anthropic' ? 'anthropic' : 'openai');
        expect(target.baseUrl, spec.name).toBe(spec.backend === 'anthropic' ? spec.defaultApiBase.replace(/\/v1$/, '') : spec.defaultApiBase);
        expect(target.extraHeaders, spec.name).toEqual(spec.defaultHeaders ?? {});
      }
    }
  });

  it('reaches Azure OpenAI by deployment with the api version, under either spelling of its name', () => {
    const config = configOf({
      agents: { defaults: { provider: 'azure_openai', model: 'my-gpt-deployment' } },
      providers: { azureOpenai: { apiKey: 'az-key', apiBase: 'https://res.openai.azure.com' } },
    });
    expect(selectProvider(config)).toMatchObject({ provider: 'azureOpenai', api: 'azure', model: 'my-gpt-deployment', apiVersion: '2024-10-21' });
    const versioned = configOf({
      agents: { defaults: { model: 'azure-dep' } },
      providers: { azure_openai: { apiKey: 'k', apiBase: 'https://r.openai.azure.com', extraQuery: { 'api-version': '2025-04-01-preview' } } },
    });
    expect(selectProvider(versioned)).toMatchObject({ api: 'azure', model: 'azure-dep', apiVersion: '2025-04-01-preview', extraQuery: {} });
    const keyless = configOf({ agents: { defaults: { provider: 'azure_openai' } }, providers: { azure_openai: { apiBase: 'https://r.openai.azure.com' } } });
    expect(() => selectProvider(keyless)).toThrow(/providers\.azure_openai\.apiKey is empty \(Microsoft Entra ID/);
  });

  it('reaches the Anthropic-API vendors through the Messages API with their endpoints and headers', () => {
    const kimi = configOf({ agents: { defaults: { model: 'kimi-for-coding' } }, providers: { kimiCoding: { apiKey: 'sk-kimi' } } });
    expect(selectProvider(kimi)).toMatchObject({ api: 'anthropic', baseUrl: 'https://api.kimi.com/coding', extraHeaders: { 'User-Agent': 'claude-code/0.1.0' } });
    const minimax = configOf({ agents: { defaults: { provider: 'minimax_anthropic', model: 'MiniMax-M2' } }, providers: { minimax_anthropic: { apiKey: 'mm' } } });
    expect(selectProvider(minimax)).toMatchObject({ api: 'anthropic', baseUrl: 'https://api.minimax.io/anthropic', model: 'MiniMax-M2' });
  });

  it('takes the Responses API only for providers.openai with apiType responses', () => {
    const responses = configOf({ agents: { defaults: { model: 'gpt-5' } }, providers: { openai: { apiKey: 'sk', apiType: 'responses' } } });
    expect(selectProvider(responses).api).toBe('openai-responses');
    const chat = configOf({ agents: { defaults: { model: 'gpt-5' } }, providers: { openai: { apiKey: 'sk', api_type: 'chat_completions' } } as ConfigInput['providers'] });
    expect(selectProvider(chat).api).toBe('openai');
  });

  it('refuses providers this cluster cannot reach, naming them', () => {
    const config = configOf({ agents: { defaults: { provider: 'github_copilot' } }, providers: { github_copilot: { apiKey: 'x' } } });
    expect(() => selectProvider(config)).toThrow(/providers\.github_copilot is not supported here: it signs in with OAuth/);
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
