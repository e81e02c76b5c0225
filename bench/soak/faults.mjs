/** The soak's fault plan (random kills, Redis restarts) and how each fault is injected. */

/** A small seeded PRNG (mulberry32), so a run's schedule can be replayed with `--seed`. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    between: (min, max) => min + next() * (max - min),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

/**
 * Kills every `killMinMs`–`killMaxMs` and `redisRestarts` restarts spread evenly
 * (at 1/3 and 2/3 for two), all while messages are still being sent. A kill that
 * would land within 3 s of a restart is moved after it, so each fault's recovery
 * can be told apart.
 */
export function planFaults({ durationMs, killMinMs, killMaxMs, redisRestarts, maxKills }, random) {
  const restarts = Array.from({ length: redisRestarts }, (_, i) => ({
    kind: 'redis-restart',
    atMs: Math.round((durationMs * (i + 1)) / (redisRestarts + 1)),
  }));
  const kills = [];
  for (let at = random.between(killMinMs, killMaxMs); at < durationMs - 2_000 && kills.length < maxKills; ) {
    const clash = restarts.find((r) => Math.abs(r.atMs - at) < 3_000);
    kills.push({ kind: 'kill', atMs: Math.round(clash === undefined ? at : clash.atMs + 3_000) });
    at = kills[kills.length - 1].atMs + random.between(killMinMs, killMaxMs);
  }
  return [...restarts, ...kills].sort((a, b) => a.atMs - b.atMs);
}

/** Worker processes a kill may hit: any nanobot app except an embedded Redis (restarted on its own schedule). */
const isWorker = (p) => p.name.startsWith('nanobot-') && p.name !== 'nanobot-redis';

/**
 * kill -9 of one worker: a process kind first (telegram, agent, whatsapp, bridge:
 * whatever this cluster runs), then one of its online instances.
 */
export async function killRandomWorker(cluster, random, killable) {
  const online = (await cluster.processes()).filter((p) => isWorker(p) && p.status === 'online' && p.pid > 0);
  const candidates = killable === undefined ? online : online.filter((p) => killable.includes(p.name));
  const names = [...new Set(candidates.map((p) => p.name))].sort();
  if (names.length === 0) return { kind: 'kill', skipped: 'no worker online', at: Date.now() };
  const name = random.pick(names);
  const target = random.pick(candidates.filter((p) => p.name === name).sort((a, b) => a.pmId - b.pmId));
  process.kill(target.pid, 'SIGKILL');
  return { kind: 'kill', target: `${target.name}:${target.pmId}`, pid: target.pid, at: Date.now() };
}

/** `RedisServer.restart()`: SIGTERM (AOF on), then the same port and data directory again. */
export async function restartRedis(redis) {
  const at = Date.now();
  await redis.restart();
  return { kind: 'redis-restart', target: 'redis', at, downMs: Date.now() - at };
}
