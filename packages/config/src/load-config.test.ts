import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError, type AppError } from '@nanobot/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { prepareEmbeddedRedis, readRedisPassword } from './redis-password.js';

/** The shape of a nanobot user's config.json (README quick start plus newer fields). */
const camelSample = {
  providers: {
    openrouter: { apiKey: 'sk-or-v1-sample' },
    custom: { apiKey: 'local', apiBase: 'http://127.0.0.1:8000/v1', extraHeaders: { 'X-Trace_Id': 'a' } },
  },
  agents: { defaults: { model: 'anthropic/claude-opus-4-5', maxTokens: 4096, maxToolIterations: 20, retryWindowS: 300 } },
  channels: {
    telegram: { enabled: true, token: '123456:ABC', allowFrom: ['42'], replyToMessage: true },
    whatsapp: { enabled: false, bridgeUrl: 'ws://localhost:3001', allowFrom: [] },
    sendToolHints: true,
  },
  tools: {
    web: { search: { apiKey: 'BSA-sample', maxResults: 3 } },
    exec: { timeout: 30, pathAppend: '/opt/bin' },
    restrictToWorkspace: true,
    mcpServers: { file_system: { command: 'npx', args: ['-y', 'fs'], env: { ROOT_DIR: '/tmp' }, toolTimeout: 45 } },
  },
  gateway: { heartbeat: { enabled: false, intervalS: 600 } },
};

const snakeSample = {
  providers: {
    openrouter: { api_key: 'sk-or-v1-sample' },
    custom: { api_key: 'local', api_base: 'http://127.0.0.1:8000/v1', extra_headers: { 'X-Trace_Id': 'a' } },
  },
  agents: { defaults: { model: 'anthropic/claude-opus-4-5', max_tokens: 4096, max_tool_iterations: 20, retry_window_s: 300 } },
  channels: {
    telegram: { enabled: true, token: '123456:ABC', allow_from: ['42'], reply_to_message: true },
    whatsapp: { enabled: false, bridge_url: 'ws://localhost:3001', allow_from: [] },
    send_tool_hints: true,
  },
  tools: {
    web: { search: { api_key: 'BSA-sample', max_results: 3 } },
    exec: { timeout: 30, path_append: '/opt/bin' },
    restrict_to_workspace: true,
    mcp_servers: { file_system: { command: 'npx', args: ['-y', 'fs'], env: { ROOT_DIR: '/tmp' }, tool_timeout: 45 } },
  },
  gateway: { heartbeat: { enabled: false, interval_s: 600 } },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nanobot-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(content: unknown): Promise<string> {
  const path = join(dir, 'config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

async function loadError(env: Record<string, string> = {}): Promise<AppError> {
  const error: unknown = await loadConfig({ env: { NANOBOT_HOME: dir, ...env }, homeDir: dir }).catch((e: unknown) => e);
  if (isAppError(error, 'CONFIG_INVALID')) return error;
  throw new Error(`expected CONFIG_INVALID, got ${String(error)}`);
}

describe('loadConfig', () => {
  it('loads a nanobot sample config from $NANOBOT_HOME/config.json', async () => {
    const path = await writeConfig(camelSample);
    const loaded = await loadConfig({ env: { NANOBOT_HOME: dir }, homeDir: '/home/ada' });
    expect(loaded).toMatchObject({ path, exists: true, nanobotHome: dir });
    // The sample's settings are all acted on: no warning.
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.providers['custom']?.apiBase).toBe('http://127.0.0.1:8000/v1');
    expect(loaded.config.channels.telegram).toMatchObject({ enabled: true, allowFrom: ['42'], replyToMessage: true });
    expect(loaded.config.tools.mcpServers['file_system']?.toolTimeout).toBe(45);
    expect(loaded.config.agents.defaults.workspace).toBe(join(dir, 'workspace'));
  });

  it('gives the same config for the snake_case spelling of the sample', async () => {
    await writeConfig(camelSample);
    const camel = await loadConfig({ env: { NANOBOT_HOME: dir }, homeDir: '/home/ada' });
    await writeConfig(snakeSample);
    const snake = await loadConfig({ env: { NANOBOT_HOME: dir }, homeDir: '/home/ada' });
    expect(snake.config).toEqual(camel.config);
    expect(snake.warnings).toEqual(camel.warnings);
  });

  it('falls back to the defaults when the file does not exist', async () => {
    const loaded = await loadConfig({ env: {}, homeDir: dir });
    expect(loaded).toMatchObject({ exists: false, nanobotHome: join(dir, '.nanobot'), path: join(dir, '.nanobot', 'config.json') });
    expect(loaded.config.agents.defaults.maxTokens).toBe(8192);
  });

  it('reads the file named by path, expanding ~ with the home dir', async () => {
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'bot.json'), JSON.stringify({ gateway: { port: 9000 } }));
    const loaded = await loadConfig({ env: {}, homeDir: dir, path: '~/etc/bot.json' });
    expect(loaded).toMatchObject({ exists: true, path: join(dir, 'etc', 'bot.json') });
    expect(loaded.config.gateway.port).toBe(9000);
  });

  it('reports invalid JSON with the file, line and column, without echoing the text', async () => {
    const path = await writeConfig('{\n  "providers": {"openai": {"apiKey": "sk-very-secret"}\n  "x": 1\n}');
    const error = await loadError();
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/line 3 column 3/);
    expect(error.message).not.toContain('sk-very-secret');
    expect(error.cause).toBeUndefined();
  });

  it('reports an unexpected token in invalid JSON without the surrounding text', async () => {
    await writeConfig('{"providers": {\n  "openai": {"apiKey": sk-very-secret}}}');
    const error = await loadError();
    expect(error.message).toContain('invalid JSON: unexpected character at line 2 column 24');
    expect(error.message).not.toContain('very-secret');
  });

  it('rejects a wrong type with the dotted path and the file', async () => {
    const path = await writeConfig({ channels: { telegram: { allowFrom: 'x' } } });
    const error = await loadError();
    expect(error.message).toBe(`${path}: channels.telegram.allowFrom: expected array, received string`);
    expect(error.details).toMatchObject({ path: 'channels.telegram.allowFrom', file: path });
  });

  it('runs an embedded redis on redis.port when no Redis URL is given', async () => {
    await writeConfig({ redis: { port: 7001 } });
    const loaded = await loadConfig({ env: { NANOBOT_HOME: dir }, homeDir: dir });
    expect(loaded.redis).toEqual({ url: 'redis://127.0.0.1:7001', embedded: true, port: 7001, passwordFile: join(dir, 'redis', 'password') });
    const defaults = await loadConfig({ env: {}, homeDir: dir });
    expect(defaults.redis).toMatchObject({ url: 'redis://127.0.0.1:6399', embedded: true, port: 6399 });
  });

  it('puts the embedded redis password, generated once with mode 0600, into its URL', async () => {
    const first = prepareEmbeddedRedis(dir);
    expect(first.generated).toBe(true);
    const password = (await readFile(first.passwordFile, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(first.passwordFile)).mode & 0o777).toBe(0o600);
    expect((await stat(first.confFile)).mode & 0o777).toBe(0o600);
    expect((await stat(first.dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(first.confFile, 'utf8')).toContain(`requirepass ${password}\n`);
    expect(prepareEmbeddedRedis(dir).generated).toBe(false);
    expect((await readFile(first.passwordFile, 'utf8')).trim()).toBe(password);
    const loaded = await loadConfig({ env: { NANOBOT_HOME: dir }, homeDir: dir });
    expect(loaded.redis.url).toBe(`redis://:${password}@127.0.0.1:6399`);
    // A URL the user gives is used as it is.
    const external = await loadConfig({ env: { NANOBOT_HOME: dir, REDIS_URL: 'redis://cache:6390' }, homeDir: dir });
    expect(external.redis.url).toBe('redis://cache:6390');
  });

  it('tightens a password file an older start left readable to others', async () => {
    await mkdir(join(dir, 'redis'), { mode: 0o755 });
    await writeFile(join(dir, 'redis', 'password'), 'a-password-of-my-own\n', { mode: 0o644 });
    const files = prepareEmbeddedRedis(dir);
    expect(files.generated).toBe(false);
    expect((await stat(files.passwordFile)).mode & 0o777).toBe(0o600);
    expect((await stat(files.dir)).mode & 0o777).toBe(0o700);
    expect(readRedisPassword(dir)).toBe('a-password-of-my-own');
  });

  it('rejects a malformed password file without printing it', async () => {
    await mkdir(join(dir, 'redis'));
    await writeFile(join(dir, 'redis', 'password'), 'has spaces "and quotes"\n');
    const error = await loadError();
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).not.toContain('quotes');
  });

  it('prefers REDIS_URL over redis.url, and redis.url over the embedded server', async () => {
    await writeConfig({ redis: { url: 'redis://redis.example.internal:6380/2' } });
    const fromFile = await loadConfig({ env: { NANOBOT_HOME: dir }, homeDir: dir });
    expect(fromFile.redis).toEqual({ url: 'redis://redis.example.internal:6380/2', embedded: false, port: 6380 });
    const fromEnv = await loadConfig({ env: { NANOBOT_HOME: dir, REDIS_URL: 'rediss://cache:6390' }, homeDir: dir });
    expect(fromEnv.redis).toEqual({ url: 'rediss://cache:6390', embedded: false, port: 6390 });
  });

  it('rejects a REDIS_URL that is not a redis URL without printing it', async () => {
    const error = await loadError({ REDIS_URL: 'http://user:hunter2@cache' });
    expect(error.details).toMatchObject({ path: 'REDIS_URL' });
    expect(error.message).not.toContain('hunter2');
  });

  it('reports a config path it cannot read as CONFIG_INVALID', async () => {
    await mkdir(join(dir, 'config.json'));
    const error = await loadError();
    expect(error.message).toContain('cannot read the config file (EISDIR)');
  });
});
