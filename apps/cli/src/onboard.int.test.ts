import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import { repoRoot, startFakeLlm, startFakeTelegram, type FakeLlm, type FakeTelegram } from '@nanobot/testkit';

const cli = join(repoRoot, 'apps/cli/bin/nanobot.js');
const key = 'sk-test-0123456789-secret';

type Run = { code: number | null; stdout: string; stderr: string };

/** `nanobot onboard` as a child process without a terminal, `input` on its standard input. */
function onboardRun(home: string, args: string[], input = '', env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [cli, 'onboard', ...args], { env: { PATH: process.env.PATH, HOME: home, NANOBOT_HOME: home, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

type Section = Record<string, unknown>;
type Written = { agents: { defaults: Section }; providers: Record<string, Section>; channels: { telegram: Section }; tools: Section; gateway: Section };
const readJson = async (home: string) => JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as Written;

describe('nanobot onboard', () => {
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let home: string;

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
  });
  afterAll(async () => {
    await telegram.close();
    await llm.close();
  });
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'nb-onboard-'));
    llm.clearFaults();
    return () => rm(home, { recursive: true, force: true });
  });

  it('writes provider, key (read from standard input), model after a one-token model call, and never prints the key', async () => {
    const run = await onboardRun(home, ['--provider', 'custom', '--api-base', llm.baseUrl, '--api-key', '-', '--model', 'test-model'], `${key}\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('✓ model: custom answered for test-model');
    expect(run.stdout).toContain('set providers.custom.apiKey (hidden)');
    expect(`${run.stdout}${run.stderr}`).not.toContain(key);
    const written = await readJson(home);
    expect(written.providers.custom).toEqual({ apiKey: key, apiBase: llm.baseUrl });
    expect(written.agents.defaults).toMatchObject({ provider: 'custom', model: 'test-model' });
    expect(written.tools.restrictToWorkspace).toBe(true);
    const [probe, ...more] = llm.requests();
    expect(more).toEqual([]);
    expect(probe?.headers.authorization).toBe(`Bearer ${key}`);
    expect(probe?.body).toMatchObject({ model: 'test-model', max_tokens: 1 });
    expect((await loadConfig({ env: { NANOBOT_HOME: home }, homeDir: home })).config.providers.custom?.apiKey).toBe(key);
  });

  it('refuses a key the provider refuses, with a clear line, and writes nothing', async () => {
    llm.setFault({ kind: 'status', status: 401, times: 1 });
    const run = await onboardRun(home, ['--provider', 'custom', '--api-base', llm.baseUrl, '--api-key', key, '--model', 'test-model']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^✗ model: custom refused the request for test-model at http:\/\/127\.0\.0\.1:\d+\/v1 \(401 .+\); nothing was written\n$/);
    await expect(readFile(join(home, 'config.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await onboardRun(home, ['--provider', 'nope', '--api-key', key])).stderr).toContain('nope is not a provider nanobot knows');
  });

  it('checks a Telegram token with getMe at channels.telegram.apiRoot: a bad one is refused, a good one enables Telegram and keeps the rest', async () => {
    const before = `${JSON.stringify({ channels: { telegram: { apiRoot: telegram.apiRoot, allow_from: ['42'] } }, providers: { custom: { api_key: 'kept', apiBase: llm.baseUrl } } }, null, 2)}\n`;
    await writeFile(join(home, 'config.json'), before);
    const wrong = `${telegram.botId}:wrong-token-value`;
    const refused = await onboardRun(home, ['--telegram-token', wrong]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('✗ telegram: Telegram refused the bot token (401 Unauthorized); nothing was written\n');
    expect(`${refused.stdout}${refused.stderr}`).not.toContain('wrong-token-value');
    expect(await readFile(join(home, 'config.json'), 'utf8')).toBe(before);
    expect((await onboardRun(home, ['--telegram-token', 'hello'])).stderr).toContain('that is not a bot token');

    const accepted = await onboardRun(home, ['--telegram-token', '-'], `${telegram.token}\n`);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`✓ telegram: Telegram knows the bot as @${telegram.username}`);
    expect(accepted.stdout).not.toContain(telegram.token);
    const written = await readJson(home);
    expect(written.channels.telegram).toMatchObject({ apiRoot: telegram.apiRoot, allow_from: ['42'], token: telegram.token, enabled: true });
    expect(written.channels.telegram.allowFrom).toBeUndefined(); // one spelling per key
    expect(written.providers.custom?.api_key).toBe('kept');
  });

  it('--refresh keeps every value (in the spelling of the file) and adds the fields a newer version knows, asking nothing', async () => {
    const calls = llm.requests().length;
    await writeFile(join(home, 'config.json'), JSON.stringify({ agents: { defaults: { max_tokens: 1234, model: 'm1' } }, providers: { custom: { api_key: '${CUSTOM_KEY}', apiBase: llm.baseUrl } }, gateway: { port: 19999 } }));
    // A key given in the environment (a reference, or nanobot's override) is read, never written into the file.
    const run = await onboardRun(home, ['--refresh'], '', { CUSTOM_KEY: 'from-env', NANOBOT_PROVIDERS__OPENAI__API_KEY: 'override-secret' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Refreshed config at');
    const written = await readJson(home);
    expect(written.agents.defaults).toMatchObject({ max_tokens: 1234, model: 'm1', temperature: 0.1, provider: 'auto' });
    expect(written.agents.defaults.maxTokens).toBeUndefined();
    expect(written.agents.defaults.workspace).toBeUndefined();
    expect(written.providers.custom).toEqual({ api_key: '${CUSTOM_KEY}', apiBase: llm.baseUrl });
    expect(written.providers.openai).toBeUndefined();
    expect(JSON.stringify(written)).not.toMatch(/from-env|override-secret/);
    expect(written.gateway).toMatchObject({ port: 19999, host: '127.0.0.1' });
    expect(written.channels.telegram).toMatchObject({ enabled: false, pollTimeoutS: 30 });
    const loaded = await loadConfig({ env: { NANOBOT_HOME: home, CUSTOM_KEY: 'k1' }, homeDir: home });
    expect(loaded.config.agents.defaults.maxTokens).toBe(1234);
    expect(loaded.config.providers.custom?.apiKey).toBe('k1');
    // The refreshed file spells out the transcription defaults (groq), whose key this test has not set: said once, nothing else.
    expect(loaded.warnings).toEqual(['transcription: providers.groq.apiKey is not set; voice messages reach the model untranscribed']);
    expect(llm.requests()).toHaveLength(calls); // a refresh calls nothing
  });
});

/** `nanobot onboard` on a pseudo-terminal (util-linux `script`); `screen` is all it showed so far. */
function onTerminal(home: string) {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} onboard`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH, HOME: home, NANOBOT_HOME: home, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (c: Buffer) => (screen += c.toString()));
  child.stderr.on('data', (c: Buffer) => (screen += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  return { child, exited, screen: () => screen };
}

/** On a terminal, answering each question as it appears. */
describe('nanobot onboard on a terminal', () => {
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let home: string;

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    home = await mkdtemp(join(tmpdir(), 'nb-onboard-tty-'));
    await writeFile(join(home, 'config.json'), JSON.stringify({ channels: { telegram: { apiRoot: telegram.apiRoot } } }));
  });
  afterAll(async () => {
    await telegram.close();
    await llm.close();
    await rm(home, { recursive: true, force: true });
  });

  it('asks for provider, API base, key, model and token, asks again for a token Telegram refuses, and shows no secret', async () => {
    const { child, exited, screen: shown } = onTerminal(home);
    let seen = 0;
    const answer = async (prompt: string, text: string) => {
      await expect.poll(() => shown().indexOf(prompt, seen), { timeout: 15_000, message: shown() }).toBeGreaterThanOrEqual(0);
      seen = shown().indexOf(prompt, seen) + prompt.length;
      child.stdin.write(`${text}\r`);
    };
    try {
      await answer('Provider (', 'custom');
      await answer('API base URL', llm.baseUrl);
      await answer('API key for custom', key);
      await answer('Model [', 'test-model');
      await answer('Telegram bot token', `${telegram.botId}:refused-token-value`);
      await answer('Telegram bot token', telegram.token);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(shown()).toContain('✓ custom answered for test-model');
    expect(shown()).toContain('✗ Telegram refused the bot token (401 Unauthorized)');
    expect(shown()).toContain(`✓ Telegram knows the bot as @${telegram.username}`);
    for (const secret of [key, telegram.token, 'refused-token-value']) expect(shown()).not.toContain(secret);
    const written = await readJson(home);
    expect(written.providers.custom).toEqual({ apiKey: key, apiBase: llm.baseUrl });
    expect(written.agents.defaults).toMatchObject({ provider: 'custom', model: 'test-model' });
    expect(written.channels.telegram).toMatchObject({ apiRoot: telegram.apiRoot, token: telegram.token, enabled: true });

    // Set up now: the next onboard on a terminal (scripts/start.sh runs one before every start) asks nothing.
    const again = onTerminal(home);
    try {
      expect(await again.exited).toBe(0);
    } finally {
      again.child.kill('SIGKILL');
    }
    expect(again.screen()).toContain('Config already exists');
    expect(again.screen()).not.toContain('Provider (');
  }, 60_000);
});
