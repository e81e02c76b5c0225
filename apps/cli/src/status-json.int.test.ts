import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import { writeStatus } from '@nanobot/bus';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { toStatusJson } from './status-json.js';

describe('nanobot status --json', () => {
  let redis: RedisServer;
  let client: Redis;
  let home: string;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url);
    home = await mkdtemp(join(tmpdir(), 'nanobot-status-json-'));
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
    await rm(home, { recursive: true, force: true });
  });

  const loaded = async () => {
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({ providers: { openai: { apiKey: 'sk-secret-value' } }, channels: { telegram: { enabled: true, token: '123:secret-token', allowFrom: ['1'] } } }),
    );
    return loadConfig({ env: { NANOBOT_HOME: home, REDIS_URL: redis.url }, homeDir: home });
  };

  it('gives the same picture as the text view, as JSON, without any secret', async () => {
    const now = Date.now();
    await writeStatus(client, { app: 'nanobot-telegram', instance: '0', pid: process.pid, host: 'here', updatedAt: now, channels: { telegram: { state: 'running', restarts: 2, lastAliveAt: now } } }, 60_000);
    const status = await toStatusJson({ loaded: await loaded(), processes: [], redis: client, isGone: () => false, now });
    const text = JSON.stringify(status);
    expect(text).not.toContain('sk-secret-value');
    expect(text).not.toContain('secret-token');
    expect(JSON.parse(text)).toMatchObject({
      config: { providers: { openai: { apiKeySet: true } }, enabledChannels: ['telegram'] },
      channels: [{ name: 'telegram', app: 'nanobot-telegram', state: 'running', restarts: 2 }],
      redis: { reachable: true },
      health: { ok: false },
      scheduledJobs: [],
    });
    expect(status).toHaveProperty('queues');
    expect((status as { queues: Array<{ name: string }> }).queues.map((q) => q.name)).toContain('inbound');
    // No agent runs: the health verdict says so, as the text view does.
    expect((status as { health: { reasons: string[] } }).health.reasons.join('\n')).toMatch(/agent/);
  });

  it('reports an unreachable Redis inside the document', async () => {
    const status = await toStatusJson({ loaded: await loaded(), processes: [], redis: null, redisError: 'connect ECONNREFUSED', isGone: () => false, now: Date.now() });
    expect(status).toMatchObject({ redis: { reachable: false, error: 'connect ECONNREFUSED' }, health: { ok: false } });
  });
});
