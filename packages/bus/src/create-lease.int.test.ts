import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createLease } from './create-lease.js';

describe('createLease', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });

  it('gives the lease to one holder and makes the other wait until it expires', async () => {
    const a = createLease({ redis, name: 'telegram:1', holder: 'host:a', ttlMs: 300 });
    const b = createLease({ redis, name: 'telegram:1', holder: 'host:b', ttlMs: 300 });
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.renew()).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.acquire()).toBe(true);
    expect(await a.renew()).toBe(false);
    expect(await b.holderNow()).toBe('host:b');
  });

  it('lets a restarted process of the same slot take its predecessor\'s lease at once', async () => {
    const before = createLease({ redis, name: 'telegram:2', holder: 'host:slot0', ttlMs: 60_000 });
    const after = createLease({ redis, name: 'telegram:2', holder: 'host:slot0', ttlMs: 60_000 });
    expect(await before.acquire()).toBe(true);
    expect(await after.acquire()).toBe(true);
  });

  it('releases only its own lease', async () => {
    const a = createLease({ redis, name: 'telegram:3', holder: 'a', ttlMs: 60_000 });
    const b = createLease({ redis, name: 'telegram:3', holder: 'b', ttlMs: 60_000 });
    expect(await a.acquire()).toBe(true);
    expect(await b.release()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(await b.acquire()).toBe(true);
  });
});
