import { describe, expect, it } from 'vitest';
import { isAppError, parseRedisEndpoint } from '@nanobot/core';
import { parseConfig } from './parse-config.js';
import { redisConfigWarnings, resolveRedis } from './resolve-redis.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/nonexistent/nanobot-home' };
const resolve = (redis: Record<string, unknown>, env: Record<string, string> = {}) =>
  resolveRedis(parseConfig({ redis }, options).config, env, { nanobotHome: options.nanobotHome });

describe('resolveRedis with TLS, ACL users, Sentinel and WAIT', () => {
  it('keeps a plain URL plain', () => {
    expect(resolve({ url: 'redis://cache:6390/2' }).url).toBe('redis://cache:6390/2');
  });

  it('adds the ACL user and the TLS files to the URL for every process, and reads them back', () => {
    const target = resolve({ url: 'rediss://cache:6390', username: 'nanobot', password: 'p@ss word', tls: { ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/k.pem' } });
    const endpoint = parseRedisEndpoint(target.url);
    expect(endpoint.url).toBe('rediss://nanobot:p%40ss%20word@cache:6390');
    expect(endpoint.tls).toEqual({ ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/k.pem' });
    expect(decodeURIComponent(new URL(endpoint.url).password)).toBe('p@ss word');
  });

  it('keeps the credentials a URL already has', () => {
    const target = resolve({ url: 'redis://me:mine@cache:6390', username: 'other', password: 'x' });
    expect(parseRedisEndpoint(target.url).url).toBe('redis://me:mine@cache:6390');
  });

  it('applies the redis keys to REDIS_URL too', () => {
    const target = resolve({ waitReplicas: 1, waitTimeoutMs: 5000 }, { REDIS_URL: 'redis://shared:6379' });
    expect(parseRedisEndpoint(target.url)).toMatchObject({ url: 'redis://shared:6379', waitReplicas: 1, waitTimeoutMs: 5000 });
  });

  it('reaches a Sentinel setup without redis.url', () => {
    const nodes = [{ host: '127.0.0.2', port: 26379 }, { host: '127.0.0.3', port: 26380 }];
    const target = resolve({ sentinels: nodes, name: 'nanobot-main', password: 'pw' });
    expect(target).toMatchObject({ embedded: false, sentinel: { nodes, name: 'nanobot-main' } });
    expect(parseRedisEndpoint(target.url)).toMatchObject({ url: 'redis://:pw@127.0.0.2:26379', sentinel: { nodes, name: 'nanobot-main' }, waitReplicas: 0 });
  });

  it('reaches a Redis Cluster from its nodes, with the ACL user and TLS for each node', () => {
    const nodes = [{ host: '127.0.0.2', port: 7001 }, { host: '::1', port: 7002 }];
    const target = resolve({ cluster: nodes, username: 'nanobot', password: 'pw', tls: { ca: '/etc/ca.pem' }, url: 'rediss://127.0.0.2:7001' });
    expect(target).toMatchObject({ embedded: false, cluster: { nodes } });
    expect(parseRedisEndpoint(target.url)).toMatchObject({ url: 'rediss://nanobot:pw@127.0.0.2:7001', cluster: { nodes }, tls: { ca: '/etc/ca.pem' } });
    expect(resolve({ cluster: nodes }).url).toContain('redis://127.0.0.2:7001');
  });

  it('refuses Sentinel and Cluster together, naming redis.cluster', () => {
    expect(() => resolve({ cluster: [{ host: '127.0.0.2', port: 7001 }], sentinels: [{ host: '127.0.0.3', port: 26379 }], name: 'm' })).toThrow(/redis\.cluster/);
  });

  it('puts the sentinels and the data nodes on TLS when redis.tls is set, without a warning', () => {
    const nodes = [{ host: '127.0.0.2', port: 26379 }];
    const config = parseConfig({ redis: { sentinels: nodes, name: 'nanobot-main', tls: { ca: '/etc/ca.pem' } } }, options).config;
    const target = resolveRedis(config, {}, { nanobotHome: options.nanobotHome });
    expect(parseRedisEndpoint(target.url)).toMatchObject({ url: 'rediss://127.0.0.2:26379', tls: { ca: '/etc/ca.pem' }, sentinel: { nodes, name: 'nanobot-main' } });
    expect(redisConfigWarnings(config, target)).toEqual([]);
  });

  it('refuses sentinels without a master name, and WAIT on the embedded Redis', () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (err) {
        return isAppError(err) ? err.code : 'other';
      }
      return 'none';
    };
    expect(code(() => resolve({ sentinels: [{ host: 'a', port: 1 }] }))).toBe('CONFIG_INVALID');
    expect(code(() => resolve({ waitReplicas: 1 }))).toBe('CONFIG_INVALID');
  });

  it('warns about keys the Redis in use ignores', () => {
    const config = parseConfig({ redis: { password: 'x', tls: { ca: '/ca' } } }, options).config;
    expect(redisConfigWarnings(config, resolveRedis(config, {}, { nanobotHome: options.nanobotHome }))).toHaveLength(2);
    const plain = parseConfig({ redis: { url: 'redis://h:1', tls: { ca: '/ca' } } }, options).config;
    expect(redisConfigWarnings(plain, resolveRedis(plain, {}, { nanobotHome: options.nanobotHome }))).toEqual(['redis.tls: ignored, the Redis URL is redis:// (use rediss:// for TLS)']);
  });
});
