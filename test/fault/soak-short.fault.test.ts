import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak/soak.mjs';

const clean = (sent: number) => ({ sent, answered: sent, lost: 0, duplicated: 0, unexpected: 0, reorderedChats: 0 });

describe('a short soak', () => {
  it('answers 150 Telegram and WhatsApp messages exactly once, in order, through 3 random kill -9s, a bridge restart and a Redis restart', async () => {
    const result = await runSoak({
      minutes: 1,
      messages: 150,
      chats: 10,
      whatsappChats: 4,
      // Discord, Slack and email are soaked by bench/soak; this short run keeps to its two channels.
      discord: false,
      slack: false,
      email: false,
      killMinS: 12,
      killMaxS: 18,
      maxKills: 3,
      // The processes that carry the soak's messages (the scheduler and the dashboard carry none).
      killable: ['nanobot-agent', 'nanobot-telegram', 'nanobot-whatsapp'],
      redisRestarts: 1,
      bridgeRestarts: 1,
      drainS: 60,
      quietS: 3,
      // This seed kills the WhatsApp worker 3 s after the bridge is back, the telegram worker
      // 3 s after the Redis restart, and an agent instance.
      seed: 2,
    });
    const kills = result.faults.filter((f) => f.kind === 'kill' && f.target !== undefined);
    console.log(`[soak-short] ${JSON.stringify({ faults: result.faults, latency: { telegram: result.channels.telegram?.latency, whatsapp: result.channels.whatsapp?.latency } })}`);
    if (!result.ok) console.log(`[soak-short] problems: ${JSON.stringify({ channels: result.channels, logLines: result.logLines })}`);

    expect(kills).toHaveLength(3);
    expect(new Set(kills.map((f) => f.target?.split(':')[0]))).toEqual(new Set(['nanobot-agent', 'nanobot-telegram', 'nanobot-whatsapp']));
    expect(result.faults.filter((f) => f.kind === 'redis-restart' && f.error === undefined)).toHaveLength(1);
    expect(result.faults.filter((f) => f.kind === 'bridge-restart' && f.error === undefined)).toHaveLength(1);
    const { telegram, whatsapp } = result.channels;
    expect(telegram?.sent).toBeGreaterThan(0);
    expect(whatsapp?.sent).toBeGreaterThan(0);
    expect((telegram?.sent ?? 0) + (whatsapp?.sent ?? 0)).toBe(150);
    const counts = (c: typeof telegram) => ({ sent: c?.sent, answered: c?.answered, lost: c?.lost, duplicated: c?.duplicated, unexpected: c?.unexpected, reorderedChats: c?.reorderedChats });
    expect(counts(telegram)).toEqual(clean(telegram?.sent ?? -1));
    expect(counts(whatsapp)).toEqual(clean(whatsapp?.sent ?? -1));
    // The bridge restart left replies unacknowledged: the worker resent them and the bridge dropped the copies.
    expect(whatsapp?.resentSends).toBeGreaterThanOrEqual(1);
    expect(whatsapp?.unackedAtEnd).toBe(0);
    // Every killed worker was brought back by pm2.
    const restarts = result.restarts.reduce((n, p) => n + p.restarts, 0);
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(result.restarts.every((p) => p.status === 'online')).toBe(true);
  }, 300_000);
});
