import { aboveHighWater, inboundHighWaterRatio, redisTroubleLabel } from '@nanobot/bus';
import type { RedisView } from './parse-redis-info.js';

/**
 * Why Redis refuses writes right now, read from `INFO`, in the same words workers use for the
 * errors they get (`redisTroubleLabel`): null when Redis takes writes. While it refuses, channels
 * hold the source's redelivery and confirm nothing, so the cluster is not healthy.
 */
export function redisPressure(view: RedisView): string | null {
  if (view.maxmemoryBytes > 0 && view.usedMemoryBytes >= view.maxmemoryBytes && view.maxmemoryPolicy === 'noeviction') {
    return `${redisTroubleLabel.full}: maxmemory reached under noeviction, new messages are held at their source until memory is freed`;
  }
  if (aboveHighWater(view.usedMemoryBytes, view.maxmemoryBytes, view.maxmemoryPolicy === 'noeviction')) {
    const mark = Math.round(inboundHighWaterRatio * 100);
    return `${redisTroubleLabel.full}: memory is past ${mark}% of maxmemory, new messages are held at their source until memory is freed; replies of messages already taken in still go out`;
  }
  if (view.aofFailing) return `${redisTroubleLabel.disk}: the last AOF write failed (disk full?), writes are refused (MISCONF)`;
  if (view.rdbFailing) return `${redisTroubleLabel.disk}: the last RDB snapshot failed (disk full?), writes are refused while stop-writes-on-bgsave-error is on`;
  return null;
}
