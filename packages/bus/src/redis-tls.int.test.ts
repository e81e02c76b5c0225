import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { toRedisConnectionString } from '@nanobot/core';
import { startTlsRedis, type TlsRedisServer } from '@nanobot/testkit';
import { createLogger } from '@nanobot/log';
import { createRedis, whenReady } from './redis-connection.js';
import { redisTlsOptions } from './redis-tls.js';

describe('createRedis over TLS with an ACL user', () => {
  let tls: TlsRedisServer | undefined;
  const opened: Redis[] = [];
  const log = createLogger({ name: 'redis-tls-test', level: 'silent' });

  beforeAll(async () => {
    tls = await startTlsRedis();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((redis) => redis.quit().catch(() => undefined)));
    await tls?.close();
  });

  // What resolveRedis hands every process: the URL with the TLS files as parameters.
  const connection = (auth: string) => {
    if (tls === undefined) throw new Error('no TLS server');
    return toRedisConnectionString({ url: `rediss://${auth}@127.0.0.1:${tls.tlsPort}`, tls: { ...tls.files, servername: 'localhost' }, waitReplicas: 0, waitTimeoutMs: 1_000 });
  };

  it('connects with rediss://, the CA, a client certificate and an ACL user, and answers', async () => {
    const redis = createRedis({ url: connection('nanobot:s3cret-pass'), role: 'producer', log, name: 'tls-test' });
    opened.push(redis);
    await whenReady(redis);
    expect(await redis.call('ACL', 'WHOAMI')).toBe('nanobot');
    await redis.set('tls-probe', 'ok');
    expect(await redis.get('tls-probe')).toBe('ok');
  });

  it('is refused with a wrong ACL password', async () => {
    const redis = createRedis({ url: connection('nanobot:wrong'), role: 'producer', log, name: 'tls-test-bad' });
    opened.push(redis);
    await expect(redis.ping()).rejects.toThrow();
    expect(redis.status).not.toBe('ready');
  });

  it('names the field when a TLS file cannot be read', () => {
    expect(() => redisTlsOptions({ ca: join(tls?.files.ca ?? '/', '..', 'missing.crt') })).toThrow(/redis\.tls\.ca/);
  });
});
