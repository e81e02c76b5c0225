import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import { startFakeDiscord, startRedis, type FakeDiscord, type RedisServer } from '@nanobot/testkit';
import { runChecks } from './doctor-command.js';

describe('nanobot doctor for Discord', () => {
  let redis: RedisServer;
  let discord: FakeDiscord;
  let home: string;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    discord = await startFakeDiscord();
    home = await mkdtemp(join(tmpdir(), 'nanobot-doctor-discord-'));
  });
  afterAll(async () => {
    await discord.close();
    await redis.close();
    await rm(home, { recursive: true, force: true });
  });

  async function discordCheck(token: string) {
    await writeFile(join(home, 'config.json'), JSON.stringify({ channels: { discord: { enabled: true, token, apiBase: discord.apiBase } } }));
    const loaded = await loadConfig({ env: { NANOBOT_HOME: home, REDIS_URL: redis.url }, homeDir: home });
    return (await runChecks(loaded)).find((c) => c.name === 'discord');
  }

  it('checks the token and names the gateway', async () => {
    expect(await discordCheck(discord.token)).toMatchObject({ ok: true, detail: `token valid: nanobot, gateway ${discord.gatewayUrl}` });
  });

  it('fails a refused token without printing it', async () => {
    const check = await discordCheck('wrong-discord-secret');
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toContain('401');
    expect(JSON.stringify(check)).not.toContain('wrong-discord-secret');
  });
});
