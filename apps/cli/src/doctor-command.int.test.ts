import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import { startFakeTelegram, startRedis, type FakeTelegram, type RedisServer } from '@nanobot/testkit';
import { runChecks } from './doctor-command.js';

describe('nanobot doctor', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let home: string;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    home = await mkdtemp(join(tmpdir(), 'nanobot-doctor-'));
  });
  afterAll(async () => {
    await telegram.close();
    await redis.close();
    await rm(home, { recursive: true, force: true });
  });

  async function loadedWith(config: unknown) {
    await writeFile(join(home, 'config.json'), JSON.stringify(config));
    return loadConfig({ env: { NANOBOT_HOME: home, REDIS_URL: redis.url }, homeDir: home });
  }

  async function checksFor(config: unknown) {
    return Object.fromEntries((await runChecks(await loadedWith(config))).map((c) => [c.name, c]));
  }

  it('passes a working setup and names the bot', async () => {
    const checks = await checksFor({
      providers: { custom: { apiKey: 'k', apiBase: 'http://127.0.0.1:9/v1' } },
      channels: { telegram: { enabled: true, token: telegram.token, apiRoot: telegram.apiRoot } },
    });
    expect(checks.redis).toMatchObject({ ok: true });
    expect(checks.model).toMatchObject({ ok: true });
    expect(checks.telegram).toMatchObject({ ok: true, detail: `token valid: @${telegram.username}` });
  });

  it('warns, without failing, that a username in allowFrom can be claimed by someone else', async () => {
    const checks = await runChecks(await loadedWith({
      providers: { custom: { apiKey: 'k', apiBase: 'http://127.0.0.1:9/v1' } },
      channels: { telegram: { enabled: true, token: telegram.token, apiRoot: telegram.apiRoot, allowFrom: ['42', 'alice'] } },
    }));
    const warnings = checks.filter((c) => c.name === 'allowFrom');
    expect(warnings).toEqual([expect.objectContaining({ ok: true, warning: true })]);
    expect(warnings[0]?.detail).toMatch(/"alice" matches a Telegram username.*someone else can claim.*numeric user id/);
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('fails a rejected token and a missing provider, without printing the token', async () => {
    const checks = await checksFor({ channels: { telegram: { enabled: true, token: '42:wrong-secret', apiRoot: telegram.apiRoot } } });
    expect(checks.telegram?.ok).toBe(false);
    expect(checks.telegram?.detail).toContain('401');
    expect(JSON.stringify(checks)).not.toContain('wrong-secret');
    expect(checks.model?.ok).toBe(false);
    expect(checks.model?.detail).toContain('providers.<name>.apiKey');
  });
});
