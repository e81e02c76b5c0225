/** The soak's fault plan (random kills, Redis and WhatsApp bridge restarts) and how each fault is injected. */

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

/** `atMs`, or just after every fixed fault it would land within 3 s of (or inside the span of). */
function clear(fixed, atMs) {
  let at = atMs;
  for (let clash = true; clash; ) {
    const hit = fixed.find((f) => at > f.atMs - 3_000 && at < f.atMs + f.spanMs + 3_000);
    clash = hit !== undefined;
    if (clash) at = hit.atMs + hit.spanMs + 3_000;
  }
  return Math.round(at);
}

/**
 * Kills every `killMinMs`–`killMaxMs`, `redisRestarts` restarts spread evenly (at
 * 1/3 and 2/3 for two), `bridgeRestarts` WhatsApp bridge restarts halfway
 * between them (1/6 and 1/2 for two) and `imapRestarts` Dovecot restarts a quarter
 * of the way on (1/4, 5/8 … of the run for one, two), all while messages are still
 * being sent. A bridge or IMAP restart that would land within 3 s of an earlier
 * fixed fault moves after it; a kill that would land within 3 s of any (or while
 * the bridge or Dovecot is down) is moved after it, so each fault's recovery can
 * be told apart.
 */
export function planFaults(
  { durationMs, killMinMs, killMaxMs, redisRestarts, bridgeRestarts = 0, bridgeDownMs = 0, imapRestarts = 0, imapDownMs = 0, maxKills },
  random,
) {
  const fixed = Array.from({ length: redisRestarts }, (_, i) => ({
    kind: 'redis-restart',
    atMs: Math.round((durationMs * (i + 1)) / (redisRestarts + 1)),
    spanMs: 0,
  }));
  for (let i = 0; i < bridgeRestarts; i += 1) {
    fixed.push({ kind: 'bridge-restart', atMs: clear(fixed, (durationMs * (i + 0.5)) / (bridgeRestarts + 1)), spanMs: bridgeDownMs });
  }
  for (let i = 0; i < imapRestarts; i += 1) {
    fixed.push({ kind: 'imap-restart', atMs: clear(fixed, (durationMs * (i + 0.75)) / (imapRestarts + 1)), spanMs: imapDownMs });
  }
  const kills = [];
  for (let at = random.between(killMinMs, killMaxMs); at < durationMs - 2_000 && kills.length < maxKills; ) {
    kills.push({ kind: 'kill', atMs: clear(fixed, at) });
    at = kills[kills.length - 1].atMs + random.between(killMinMs, killMaxMs);
  }
  return [...fixed, ...kills].sort((a, b) => a.atMs - b.atMs);
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

/**
 * Waits until a message frame was written to the worker and not acknowledged yet
 * (the soak's traffic injects one every second or so), checking on every turn of
 * the event loop so that the ack, a round trip through Redis away, is still out.
 * Gives up after `timeoutMs`: the restart then happens without one.
 */
async function untilFrameInFlight(bridge, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (bridge.unacked().length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The WhatsApp bridge going away and coming back, with frames unacknowledged both
 * ways (as in test/e2e/whatsapp-roundtrip.e2e.test.ts): right after a message
 * frame went out, before the worker acked it, the fake's WebSocket server closes
 * (the frame stays pending and is resent on the next connection), stays
 * down `downMs` while users keep writing (more pending frames), and comes back
 * with its first send frame crashing it after WhatsApp got the message (the ack
 * never comes: the worker resends, the bridge drops the duplicate) and its second
 * crashing it before (the worker resends, delivered once).
 */
export async function restartBridge(bridge, downMs) {
  await untilFrameInFlight(bridge, 5_000);
  const at = Date.now();
  const unackedAtStop = bridge.unacked().length;
  await bridge.stop();
  // Armed while no client is connected, so the crashes hit the sends after the restart.
  bridge.failSends('crash-after-send');
  bridge.failSends('crash-before-send');
  await new Promise((resolve) => setTimeout(resolve, downMs));
  const unackedAtStart = bridge.unacked().length;
  await bridge.start();
  return { kind: 'bridge-restart', target: 'whatsapp-bridge', at, downMs: Date.now() - at, unackedAtStop, unackedAtStart };
}

/**
 * Dovecot going away and coming back (testkit's stop kills the master and its imap sessions, as a
 * real restart cuts the worker's IDLE connection): down `downMs` while users keep writing (the
 * deliverer holds their mails, as an MTA would, and APPENDs them once it is back).
 */
export async function restartImap(dovecot, downMs) {
  const at = Date.now();
  await dovecot.stop();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await dovecot.start();
  return { kind: 'imap-restart', target: 'dovecot', at, downMs: Date.now() - at };
}
