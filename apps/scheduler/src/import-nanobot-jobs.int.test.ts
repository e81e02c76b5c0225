import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCronStore } from '@nanobot/cron';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { importNanobotJobs } from './import-nanobot-jobs.js';

const log = createLogger({ name: 'import-test', level: 'silent' });

describe("importing nanobot's cron/jobs.json", () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    await client.quit();
    await redis.close();
  });

  it('imports every usable job once, keeping ids, schedules and targets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nanobot-import-'));
    const path = join(dir, 'jobs.json');
    const now = Date.parse('2026-12-01T00:00:00Z');
    await writeFile(path, JSON.stringify({
      version: 1,
      jobs: [
        { id: 'a1b2c3d4', name: 'standup', enabled: true, schedule: { kind: 'cron', expr: '0 9 * * 1-5', tz: 'Europe/Lisbon' }, payload: { kind: 'agent_turn', message: 'standup time', sessionKey: 'telegram:42', originChannel: 'telegram', originChatId: '42' } },
        { id: 'e5f6a7b8', name: 'water', enabled: true, schedule: { kind: 'every', every_ms: 3600000 }, payload: { message: 'water the plants', deliver: true, channel: 'whatsapp', to: '3510000@s.whatsapp.net' } },
        { id: 'c9d0e1f2', name: 'old', enabled: true, schedule: { kind: 'at', atMs: now - 1000 }, payload: { message: 'past' } },
        { id: 'bad', name: 'broken', schedule: { kind: 'every' }, payload: { message: 'x' } },
      ],
    }));
    const store = createCronStore({ redis: client, now: () => now });
    expect(await importNanobotJobs({ store, redis: client, path, log, now: () => now })).toBe(3);
    expect(await importNanobotJobs({ store, redis: client, path, log, now: () => now })).toBe(0);
    const jobs = Object.fromEntries((await store.list()).map((j) => [j.id, j]));
    expect(jobs.a1b2c3d4).toMatchObject({ schedule: { kind: 'cron', tz: 'Europe/Lisbon' }, deliver: { channel: 'telegram', chatId: '42', sessionKey: 'telegram:42' }, enabled: true });
    expect(jobs.e5f6a7b8).toMatchObject({ schedule: { kind: 'every', everyMs: 3_600_000 }, deliver: { channel: 'whatsapp', chatId: '3510000@s.whatsapp.net' } });
    expect(jobs.c9d0e1f2?.enabled).toBe(false);
    expect(jobs.bad).toBeUndefined();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});
