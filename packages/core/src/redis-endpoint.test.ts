import { describe, expect, it } from 'vitest';
import { parseRedisEndpoint, toRedisConnectionString } from './redis-endpoint.js';

describe('the Redis connection string', () => {
  it('leaves a plain URL as it is and reads it back without extras', () => {
    expect(toRedisConnectionString({ url: 'redis://:pw@cache:6390/2', waitReplicas: 0, waitTimeoutMs: 2_000 })).toBe('redis://:pw@cache:6390/2');
    expect(parseRedisEndpoint('redis://:pw@cache:6390/2')).toEqual({ url: 'redis://:pw@cache:6390/2', waitReplicas: 0, waitTimeoutMs: 2_000 });
  });

  it('carries TLS files, Sentinel and WAIT, and strips them again, keeping parameters of ioredis', () => {
    const endpoint = {
      url: 'rediss://u:p@h:6380/?family=6',
      tls: { ca: '/etc/ca dir/ca.pem', cert: '/c.pem', key: '/k.pem', servername: 'redis.internal', rejectUnauthorized: false },
      sentinel: { nodes: [{ host: '127.0.0.2', port: 26379 }, { host: '::1', port: 26380 }], name: 'main' },
      waitReplicas: 2,
      waitTimeoutMs: 5_000,
    };
    const connection = toRedisConnectionString(endpoint);
    expect(parseRedisEndpoint(connection)).toEqual(endpoint);
  });

  it('carries the nodes of a Redis Cluster and refuses a malformed one or Sentinel with it', () => {
    const endpoint = { url: 'redis://127.0.0.1:7001', cluster: { nodes: [{ host: '127.0.0.1', port: 7001 }, { host: '::1', port: 7002 }] }, waitReplicas: 0, waitTimeoutMs: 2_000 };
    expect(parseRedisEndpoint(toRedisConnectionString(endpoint))).toEqual(endpoint);
    expect(() => parseRedisEndpoint('redis://127.0.0.1/?cluster=127.0.0.1')).toThrow(/a cluster node is not host:port/);
    expect(() => parseRedisEndpoint('redis://127.0.0.1/?cluster=127.0.0.1:1&sentinels=127.0.0.1:2&sentinel_name=m')).toThrow(/both/);
  });

  it('refuses sentinels without a name, a malformed sentinel and a count that is not a whole number', () => {
    expect(() => parseRedisEndpoint('redis://h/?sentinels=a:1')).toThrow(/sentinel_name/);
    expect(() => parseRedisEndpoint('redis://h/?sentinels=a&sentinel_name=m')).toThrow(/host:port/);
    expect(() => parseRedisEndpoint('redis://h/?wait_replicas=-1')).toThrow(/wait_replicas/);
  });
});
