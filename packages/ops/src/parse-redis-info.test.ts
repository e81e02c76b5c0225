import { describe, expect, it } from 'vitest';
import { parseRedisInfo, redisWarnings } from './parse-redis-info.js';

const info = [
  '# Server', 'redis_version:7.0.15', '', '# Persistence', 'aof_enabled:1', 'aof_last_write_status:ok',
  'aof_last_bgrewrite_status:ok', 'rdb_last_bgsave_status:ok', 'rdb_last_save_time:1700000000',
  '# Memory', 'used_memory:1048576', 'maxmemory:0', 'maxmemory_policy:noeviction',
].join('\r\n');

describe('parseRedisInfo', () => {
  it('reads persistence and memory from INFO', () => {
    expect(parseRedisInfo(info)).toEqual({
      version: '7.0.15', aofEnabled: true, aofFailing: false, rdbFailing: false,
      usedMemoryBytes: 1_048_576, maxmemoryBytes: 0, maxmemoryPolicy: 'noeviction',
    });
    expect(redisWarnings(parseRedisInfo(info))).toEqual([]);
  });

  it('warns about what can lose or refuse messages', () => {
    const risky = parseRedisInfo('aof_enabled:0\naof_last_write_status:err\nused_memory:95\nmaxmemory:100\nmaxmemory_policy:allkeys-lru');
    expect(redisWarnings(risky)).toEqual([
      expect.stringContaining('AOF is off'),
      expect.stringContaining('AOF write failed'),
      expect.stringContaining('maxmemory-policy is allkeys-lru'),
      expect.stringContaining('above 90%'),
    ]);
  });
});
