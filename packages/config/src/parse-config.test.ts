import { isAppError, type AppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig, toSerializableConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };

function parseError(raw: unknown, env: Record<string, string> = {}): AppError {
  try {
    parseConfig(raw, { ...options, env });
  } catch (error) {
    if (isAppError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('gives nanobot defaults for an empty object', () => {
    const { config, warnings } = parseConfig({}, options);
    expect(warnings).toEqual([]);
    expect(config.agents.defaults).toEqual({
      workspace: '/home/ada/.nanobot/workspace',
      model: 'anthropic/claude-opus-4-5',
      provider: 'auto',
      maxTokens: 8192,
      temperature: 0.1,
      maxToolIterations: 40,
      memoryWindow: 100,
      fallbackModels: [],
      maxConcurrentTurns: 3,
      requestTimeoutS: 120,
      retryWindowS: 600,
    });
    expect(config.channels.telegram).toMatchObject({ enabled: false, token: '', groupPolicy: 'mention', pollTimeoutS: 30 });
    expect(config.channels.whatsapp).toMatchObject({ bridgeUrl: 'ws://localhost:3001', maxMediaMb: 20 });
    expect(config.tools.restrictToWorkspace).toBe(false);
    expect(config.channels).toMatchObject({ sendProgress: true, sendToolHints: false, sendMaxRetries: 3 });
    expect(config.tools).toMatchObject({ web: { search: { apiKey: '', maxResults: 5 } }, exec: { timeout: 60 } });
    expect(config.gateway).toEqual({ host: '127.0.0.1', port: 18790, token: '', heartbeat: { enabled: true, intervalS: 1800 } });
    expect(config.redis).toEqual({ port: 6399, waitReplicas: 0, waitTimeoutMs: 2000 });
  });

  it('puts the default workspace under NANOBOT_HOME and expands a given ~ with the home dir', () => {
    const home = parseConfig({}, { ...options, nanobotHome: '/srv/bot' });
    expect(home.config.agents.defaults.workspace).toBe('/srv/bot/workspace');
    const given = parseConfig({ agents: { defaults: { workspace: '~/ws' } } }, { ...options, nanobotHome: '/srv/bot' });
    expect(given.config.agents.defaults.workspace).toBe('/home/ada/ws');
  });

  it('replaces ${VAR} in string values, arrays included, from the given env', () => {
    const raw = {
      providers: { openrouter: { apiKey: '${OR_KEY}' } },
      channels: { telegram: { enabled: true, token: '${TG_TOKEN}', allowFrom: ['${TG_USER}', 'bob'] } },
    };
    const env = { OR_KEY: 'sk-or-1', TG_TOKEN: '123:abc', TG_USER: '42' };
    const { config } = parseConfig(raw, { ...options, env });
    expect(config.providers['openrouter']?.apiKey).toBe('sk-or-1');
    expect(config.channels.telegram.token).toBe('123:abc');
    expect(config.channels.telegram.allowFrom).toEqual(['42', 'bob']);
  });

  it('names the field and the variable when a ${VAR} is not set', () => {
    const error = parseError({ channels: { telegram: { token: '${TG_TOKEN}' } } });
    expect(error.message).toContain('channels.telegram.token');
    expect(error.message).toContain('TG_TOKEN');
    expect(error.details).toMatchObject({ path: 'channels.telegram.token' });
  });

  it('applies NANOBOT_ env overrides before validation', () => {
    const env = {
      NANOBOT_AGENTS__DEFAULTS__MODEL: 'gpt-4o',
      NANOBOT_AGENTS__DEFAULTS__MAX_TOKENS: '1024',
      NANOBOT_CHANNELS__TELEGRAM__ENABLED: 'true',
      NANOBOT_CHANNELS__TELEGRAM__TOKEN: '123:abc',
    };
    const { config } = parseConfig({ agents: { defaults: { model: 'x/y' } } }, { ...options, env });
    expect(config.agents.defaults.model).toBe('gpt-4o');
    expect(config.agents.defaults.maxTokens).toBe(1024);
    expect(config.channels.telegram.enabled).toBe(true);
    expect(config.channels.telegram.token).toBe('123:abc');
  });

  it('accepts unknown keys and reports them as warnings with dotted paths', () => {
    const raw = { agents: { defaults: { futureKnob: 1 } }, channels: { matrix: { enabled: false } } };
    const { config, warnings } = parseConfig(raw, options);
    expect(warnings).toEqual(['agents.defaults.futureKnob: unknown key, ignored', 'channels.matrix: unknown key, ignored']);
    expect(config.agents.defaults).not.toHaveProperty('futureKnob');
  });

  it('rejects a string where allowFrom expects an array, naming the path and the types', () => {
    const error = parseError({ channels: { telegram: { allowFrom: 'x' } } });
    expect(error.message).toBe('config.json: channels.telegram.allowFrom: expected array, received string');
    expect(error.details).toMatchObject({ path: 'channels.telegram.allowFrom', file: 'config.json' });
  });

  it('rejects a media cap that is not a positive number of MB', () => {
    expect(parseError({ channels: { whatsapp: { maxMediaMb: 0 } } }).details).toMatchObject({ path: 'channels.whatsapp.maxMediaMb' });
    expect(parseConfig({ channels: { whatsapp: { maxMediaMb: 2.5 } } }, options).config.channels.whatsapp.maxMediaMb).toBe(2.5);
  });

  it('rejects an enabled telegram channel without a token', () => {
    const error = parseError({ channels: { telegram: { enabled: true } } });
    expect(error.details).toMatchObject({ path: 'channels.telegram.token' });
    expect(error.message).toContain('channels.telegram.token');
  });

  it('lists every bad field, one per line, the first one in details.path', () => {
    const error = parseError({ agents: { defaults: { temperature: 5 } }, gateway: { port: 'x' } });
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('agents.defaults.temperature');
    expect(lines[1]).toContain('gateway.port');
    expect(error.details).toMatchObject({ path: 'agents.defaults.temperature' });
  });

  it('keeps provider, MCP server, header and env names as written while converting field names', () => {
    const raw = {
      providers: { my_llm: { api_key: 'k', api_base: 'http://127.0.0.1:8000/v1', extra_headers: { 'X-Api_Key': 'h' } } },
      tools: { mcp_servers: { git_hub: { command: 'gh', env: { GITHUB_TOKEN: 't' }, tool_timeout: 10 } } },
    };
    const { config, warnings } = parseConfig(raw, options);
    expect(warnings).toEqual([]);
    expect(config.providers).toEqual({
      my_llm: { apiKey: 'k', apiBase: 'http://127.0.0.1:8000/v1', extraHeaders: { 'X-Api_Key': 'h' } },
    });
    expect(config.tools.mcpServers['git_hub']).toEqual({ command: 'gh', env: { GITHUB_TOKEN: 't' }, toolTimeout: 10 });
  });

  it('accepts a custom Bot API server in apiRoot and rejects one that is not an http(s) URL', () => {
    const { config } = parseConfig({ channels: { telegram: { apiRoot: 'http://127.0.0.1:8081' } } }, options);
    expect(config.channels.telegram.apiRoot).toBe('http://127.0.0.1:8081');
    expect(parseError({ channels: { telegram: { apiRoot: 'ftp://x' } } }).details).toMatchObject({
      path: 'channels.telegram.apiRoot',
    });
  });

  it('never puts secret values in error messages', () => {
    const secrets = { apiKey: 9876543210, token: 1234567890 };
    const error = parseError({
      providers: { openai: { apiKey: secrets.apiKey } },
      channels: { telegram: { token: secrets.token } },
      redis: { url: 'http://user:hunter2@example.com' },
    });
    expect(error.message).toContain('providers.openai.apiKey');
    expect(error.message).toContain('redis.url');
    for (const secret of ['9876543210', '1234567890', 'hunter2']) expect(error.message).not.toContain(secret);
  });

  it('rejects a top-level value that is not an object', () => {
    expect(parseError([]).message).toBe('config.json: (root): expected object, received array');
  });
});

describe('defaultConfig and toSerializableConfig', () => {
  it('round-trip: the serialized defaults parse back to the same config', () => {
    const written = toSerializableConfig(defaultConfig());
    expect(written).toMatchObject({ agents: { defaults: { workspace: '~/.nanobot/workspace' } } });
    const { config } = parseConfig(JSON.parse(JSON.stringify(written)), options);
    expect(config).toEqual(parseConfig({}, options).config);
  });
});
