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
    // The predecessor, should it still run (frozen, then resumed), is fenced off by its old token.
    await expect(before.fence()).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await before.renew()).toBe(false);
    expect(await before.release()).toBe(false);
    await after.fence();
    expect(await after.renew()).toBe(true);
  });

  it('gives every acquisition a new fencing token and fences only the current one', async () => {
    const a = createLease({ redis, name: 'telegram:4', holder: 'host:a', ttlMs: 300 });
    const b = createLease({ redis, name: 'telegram:4', holder: 'host:b', ttlMs: 300 });
    await expect(a.fence()).rejects.toMatchObject({ code: 'LEASE_LOST' }); // never acquired
    expect(await a.acquire()).toBe(true);
    const first = a.token();
    expect(first).toBeGreaterThan(0);
    await a.fence();
    expect(Number(await redis.get(a.tokenKey))).toBe(first);

    await new Promise((r) => setTimeout(r, 400)); // a is frozen past its TTL
    await expect(a.fence()).rejects.toMatchObject({ code: 'LEASE_LOST' }); // expired, nobody took it yet
    expect(await b.acquire()).toBe(true);
    expect(b.token()).toBe(first + 1);
    await b.fence();
    await expect(a.fence()).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await a.renew()).toBe(false);
  });

  it('fences on the connection it is given, and reports Redis failing as BUS_UNAVAILABLE', async () => {
    const a = createLease({ redis, name: 'telegram:5', holder: 'host:a', ttlMs: 60_000 });
    expect(await a.acquire()).toBe(true);
    const other = new Redis(server.url);
    await a.fence(other);
    await other.quit();
    await expect(a.fence(other)).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
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
