import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from './index.js';

const warningsOf = (input: ConfigInput) =>
  parseConfig(input, { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot', source: 'test' }).warnings;

describe('provider warnings at start', () => {
  it('names providers this cluster cannot reach and keys only one provider takes', () => {
    const warnings = warningsOf({
      providers: {
        bedrock: { apiKey: 'x' },
        openaiCodex: { apiKey: '' },
        deepseek: { apiKey: 'k', apiType: 'responses', apiVersion: '2024-10-21' },
        openai: { apiKey: 'k', apiType: 'responses' },
        azure_openai: { apiKey: 'k', apiBase: 'https://r.openai.azure.com', apiVersion: '2025-01-01' },
      },
    });
    expect(warnings).toEqual([
      expect.stringMatching(/^providers\.bedrock: not supported here \(it needs AWS Bedrock's Converse API/),
      expect.stringMatching(/^providers\.openaiCodex: not supported here \(it signs in with OAuth/),
      'providers.deepseek.apiType: only providers.openai takes apiType (as in nanobot); ignored',
      'providers.deepseek.apiVersion: only providers.azure_openai takes apiVersion; ignored',
    ]);
  });

  it('accepts snake_case api_type and extra_query as nanobot writes them', () => {
    const parsed = parseConfig(
      { providers: { openai: { api_key: 'k', api_type: 'chat_completions', extra_query: { a: 'b' } } } } as ConfigInput,
      { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot', source: 'test' },
    );
    expect(parsed.warnings).toEqual([]);
    expect(parsed.config.providers['openai']).toMatchObject({ apiType: 'chat_completions', extraQuery: { a: 'b' } });
  });
});
