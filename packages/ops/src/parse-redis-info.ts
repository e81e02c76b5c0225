/** What the status page says about Redis: can it lose queued messages, and is it filling up? */
export type RedisView = {
  version: string;
  /** AOF on: every write is in the append-only file within a second. */
  aofEnabled: boolean;
  /** The last AOF write (or rewrite) failed: writes are at risk, e.g. a full disk. */
  aofFailing: boolean;
  /** The last RDB snapshot failed (only meaningful when snapshots are configured). */
  rdbFailing: boolean;
  usedMemoryBytes: number;
  /** 0: no limit. */
  maxmemoryBytes: number;
  maxmemoryPolicy: string;
};

/** `INFO` output as key → value (sections and comments dropped). */
function toFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Parses the `server`, `persistence` and `memory` sections of `INFO` (https://redis.io/docs/latest/commands/info/). */
export function parseRedisInfo(text: string): RedisView {
  const fields = toFields(text);
  const number = (key: string) => Number(fields.get(key) ?? 0) || 0;
  return {
    version: fields.get('redis_version') ?? '?',
    aofEnabled: fields.get('aof_enabled') === '1',
    aofFailing: fields.get('aof_last_write_status') === 'err' || fields.get('aof_last_bgrewrite_status') === 'err',
    rdbFailing: fields.get('rdb_last_bgsave_status') === 'err',
    usedMemoryBytes: number('used_memory'),
    maxmemoryBytes: number('maxmemory'),
    maxmemoryPolicy: fields.get('maxmemory_policy') ?? '?',
  };
}

/** Problems a person should act on; empty when Redis is durable and has room. */
export function redisWarnings(view: RedisView): string[] {
  const warnings: string[] = [];
  if (!view.aofEnabled) warnings.push('AOF is off: a Redis restart can lose queued messages (appendonly yes)');
  if (view.aofFailing) warnings.push('the last AOF write failed (disk full?): new messages may not be durable');
  if (view.rdbFailing) warnings.push('the last RDB snapshot failed (disk full?)');
  if (view.maxmemoryPolicy !== 'noeviction' && view.maxmemoryPolicy !== '?') {
    warnings.push(`maxmemory-policy is ${view.maxmemoryPolicy}: Redis may evict queued jobs (use noeviction)`);
  }
  if (view.maxmemoryBytes > 0 && view.usedMemoryBytes > view.maxmemoryBytes * 0.9) {
    warnings.push('memory is above 90% of maxmemory: new messages are held at their source until memory is freed');
  }
  return warnings;
}
