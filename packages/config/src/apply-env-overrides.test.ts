import { describe, expect, it } from 'vitest';
import { applyEnvOverrides } from './apply-env-overrides.js';
import { configSchema } from './schema.js';

function override(env: Record<string, string>, config: Record<string, unknown> = {}): Record<string, unknown> {
  return applyEnvOverrides(config, env, configSchema);
}

describe('applyEnvOverrides', () => {
  it('matches segments to schema keys whatever their case and underscores', () => {
    const result = override({
      NANOBOT_AGENTS__DEFAULTS__MAX_TOKENS: '1',
      NANOBOT_AGENTS__DEFAULTS__maxToolIterations: '2',
      nanobot_agents__defaults__MEMORYWINDOW: '3',
      NANOBOT_GATEWAY__HEARTBEAT__INTERVAL_S: '60',
    });
    expect(result).toEqual({
      agents: { defaults: { maxTokens: 1, maxToolIterations: 2, memoryWindow: 3 } },
      gateway: { heartbeat: { intervalS: 60 } },
    });
  });

  it('parses JSON values and keeps anything else as a string', () => {
    const result = override({
      NANOBOT_CHANNELS__TELEGRAM__ALLOW_FROM: '["1","2"]',
      NANOBOT_CHANNELS__TELEGRAM__ENABLED: 'true',
      NANOBOT_CHANNELS__TELEGRAM__GROUP_POLICY: 'open',
    });
    expect(result).toEqual({ channels: { telegram: { allowFrom: ['1', '2'], enabled: true, groupPolicy: 'open' } } });
  });

  it('gives string fields the raw text even when it looks like a number', () => {
    const result = override({ NANOBOT_PROVIDERS__OPENAI__API_KEY: '12345', NANOBOT_CHANNELS__TELEGRAM__TOKEN: 'true' });
    expect(result).toEqual({ providers: { openai: { apiKey: '12345' } }, channels: { telegram: { token: 'true' } } });
  });

  it('reuses the spelling of an existing map key and keeps env variable names as given', () => {
    const config = { providers: { myLlm: { apiKey: 'a' } } };
    const result = override(
      {
        NANOBOT_PROVIDERS__MYLLM__API_BASE: 'http://127.0.0.1:1/v1',
        NANOBOT_PROVIDERS__OPENROUTER__API_KEY: 'b',
        NANOBOT_TOOLS__MCP_SERVERS__GIT__ENV__GITHUB_TOKEN: 't',
      },
      config,
    );
    expect(result).toEqual({
      providers: { myLlm: { apiKey: 'a', apiBase: 'http://127.0.0.1:1/v1' }, openrouter: { apiKey: 'b' } },
      tools: { mcpServers: { git: { env: { GITHUB_TOKEN: 't' } } } },
    });
  });

  it('ignores NANOBOT_ variables without a __ section separator and leaves the input unchanged', () => {
    const config = { gateway: { port: 1 } };
    const result = override({ NANOBOT_HOME: '/x', NANOBOT_LOG_LEVEL: 'debug', NANOBOT_GATEWAY__PORT: '2' }, config);
    expect(result).toEqual({ gateway: { port: 2 } });
    expect(config).toEqual({ gateway: { port: 1 } });
  });
});
