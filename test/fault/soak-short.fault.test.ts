import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak/soak.mjs';

describe('a short soak', () => {
  it('answers 150 messages over 10 chats exactly once, in order, through 3 random kill -9s and a Redis restart', async () => {
    const result = await runSoak({
      minutes: 1,
      messages: 150,
      chats: 10,
      killMinS: 12,
      killMaxS: 18,
      maxKills: 3,
      redisRestarts: 1,
      drainS: 60,
      quietS: 3,
      // This seed kills both agent instances and the telegram worker (once right after the Redis restart).
      seed: 14,
    });
    const kills = result.faults.filter((f) => f.kind === 'kill' && f.target !== undefined);
    console.log(`[soak-short] ${JSON.stringify({ kills: kills.map((f) => f.target), recovery: result.recovery, latency: result.latency })}`);
    if (!result.ok) console.log(`[soak-short] problems: ${JSON.stringify({ problems: result.problems, logLines: result.logLines })}`);

    expect(kills).toHaveLength(3);
    expect(new Set(kills.map((f) => f.target?.split(':')[0]))).toEqual(new Set(['nanobot-agent', 'nanobot-telegram']));
    expect(result.faults.filter((f) => f.kind === 'redis-restart' && f.error === undefined)).toHaveLength(1);
    expect({ sent: result.sent, answered: result.answered, lost: result.lost, duplicated: result.duplicated, unexpected: result.unexpected, reorderedChats: result.reorderedChats }).toEqual({
      sent: 150,
      answered: 150,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      reorderedChats: 0,
    });
    // Every killed worker was brought back by pm2.
    const restarts = result.restarts.reduce((n, p) => n + p.restarts, 0);
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(result.restarts.every((p) => p.status === 'online')).toBe(true);
  }, 300_000);
});
