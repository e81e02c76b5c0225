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
    redis = await startRedis({ appendonly: false });
    telegram = await startFakeTelegram();
    home = await mkdtemp(join(tmpdir(), 'nanobot-doctor-'));
  });
  afterAll(async () => {
    await telegram.close();
    await redis.close();
    await rm(home, { recursive: true, force: true });
  });

  async function checksFor(config: unknown) {
    await writeFile(join(home, 'config.json'), JSON.stringify(config));
    const loaded = await loadConfig({ env: { NANOBOT_HOME: home, REDIS_URL: redis.url }, homeDir: home });
    return Object.fromEntries((await runChecks(loaded)).map((c) => [c.name, c]));
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

  it('fails a rejected token and a missing provider, without printing the token', async () => {
    const checks = await checksFor({ channels: { telegram: { enabled: true, token: '42:wrong-secret', apiRoot: telegram.apiRoot } } });
    expect(checks.telegram?.ok).toBe(false);
    expect(checks.telegram?.detail).toContain('401');
    expect(JSON.stringify(checks)).not.toContain('wrong-secret');
    expect(checks.model?.ok).toBe(false);
    expect(checks.model?.detail).toContain('providers.<name>.apiKey');
  });
});
