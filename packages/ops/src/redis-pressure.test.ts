import { describe, expect, it } from 'vitest';
import type { ProcessStatus } from '@nanobot/bus';
import { judgeHealth } from './judge-health.js';
import { parseRedisInfo } from './parse-redis-info.js';
import { redisPressure } from './redis-pressure.js';

const now = 1_000_000_000;
const agent: ProcessStatus = { app: 'nanobot-agent', instance: '0', pid: 22, host: 'h', updatedAt: now, channels: { agent: { state: 'running', model: 'm', turns: 0 } } };
const info = (lines: string) => parseRedisInfo(`aof_enabled:1\nmaxmemory_policy:noeviction\n${lines}`);

describe('redisPressure', () => {
  it('says "Redis full" when used_memory reached maxmemory under noeviction', () => {
    expect(redisPressure(info('used_memory:1048600\nmaxmemory:1048576'))).toMatch(/^Redis full: maxmemory reached/);
    expect(redisPressure(info('used_memory:1000\nmaxmemory:1048576'))).toBeNull();
    expect(redisPressure(info('used_memory:950000\nmaxmemory:1048576'))).toMatch(/^Redis full: memory is past 90% of maxmemory/);
    expect(redisPressure(info('used_memory:900000\nmaxmemory:1048576'))).toBeNull();
    expect(redisPressure(info('used_memory:1000\nmaxmemory:0'))).toBeNull();
  });

  it('names a failed AOF write or RDB snapshot: Redis refuses writes with MISCONF', () => {
    expect(redisPressure(info('aof_last_write_status:err'))).toMatch(/^Redis cannot write to disk: the last AOF write failed/);
    expect(redisPressure(info('rdb_last_bgsave_status:err'))).toMatch(/^Redis cannot write to disk: the last RDB snapshot failed/);
  });

  it('makes the health verdict DOWN with the Redis reason first, as /health and nanobot status show it', () => {
    const state = { statuses: [agent], inboundWorkers: 1, queues: [], redis: info('used_memory:2000000\nmaxmemory:1048576') };
    const health = judgeHealth({ state, enabledChannels: [], now });
    expect(health.ok).toBe(false);
    expect(health.reasons[0]).toMatch(/^redis: Redis full/);
  });
});
