/**
 * bench/failover: kill -9 of the agent that runs a turn, while the fake LLM holds that turn's
 * model request, and the time from the kill to the turn's reply at the fake Telegram; then the
 * RSS of every idle worker. The real cluster under pm2 with two agents, a private redis-server,
 * an instant fake LLM (so the latency is the failover alone: add the model's time to it).
 *
 *   node bench/failover/run.mjs [--kills 10]
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startTelegramStack } from '@nanobot/testkit';

const { values: args } = parseArgs({ options: { kills: { type: 'string', default: '10' }, sessions: { type: 'string', default: '1000' } } });
const kills = Number(args.kills);
const sessions = Number(args.sessions);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The agent whose BullMQ worker holds the lock of the active inbound job, and its worker id. */
async function holder(redis) {
  const [jobId] = await redis.lrange('nb:inbound:active', 0, -1);
  const lock = jobId === undefined ? null : await redis.get(`nb:inbound:${jobId}:lock`);
  if (lock === null) return undefined;
  const workerId = lock.slice(0, lock.lastIndexOf(':'));
  const keys = await redis.keys('nb:status:nanobot-agent:*');
  for (const value of await redis.mget(keys)) {
    const record = JSON.parse(value ?? '{}');
    if (record.channels?.agent?.workerId === workerId) return { pid: record.pid, workerId };
  }
  return undefined;
}

/** Both agents up and reporting, with worker ids the liveness registry knows. */
async function agentsReady(redis) {
  const keys = await redis.keys('nb:status:nanobot-agent:*');
  if (keys.length !== 2) return false;
  const ids = (await redis.mget(keys)).map((v) => JSON.parse(v ?? '{}').channels?.agent?.workerId);
  const alive = await Promise.all(ids.map((id) => (id === undefined ? 0 : redis.exists(`nb:worker-alive:${id}`))));
  return alive.every((a) => a === 1);
}

/** RSS, its anonymous part (the process's own), and PSS (file pages shared by all node processes counted once across them). */
const memLine = (pid) => {
  const mb = (text, key) => (Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024).toFixed(1);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return `${mb(status, 'VmRSS')} MB  (anon ${mb(status, 'RssAnon')}, file ${mb(status, 'RssFile')}, PSS ${mb(rollup, 'Pss')})`;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const stack = await startTelegramStack({ agentInstances: 2 });
const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: 1 });
const latencies = [];
try {
  for (let round = 1; round <= kills; round += 1) {
    // The restarted agent's record (same pm2 slot, same key) names a live worker again.
    await until(() => agentsReady(redis), 60_000);
    const chatId = 9600 + round;
    let held = false;
    let release;
    const released = new Promise((r) => (release = r));
    stack.llm.setResponder(async (request) => {
      if (!held && JSON.stringify(request.body).includes(`failover-round-${round}`)) {
        held = true;
        await released;
      }
      return { content: `answer ${round}` };
    });
    stack.telegram.injectMessage({ chatId, text: `failover-round-${round}` });
    await until(async () => held, 30_000);
    let target;
    await until(async () => (target = await holder(redis)) !== undefined, 10_000);
    const killedAt = Date.now();
    process.kill(target.pid, 'SIGKILL');
    release();
    await until(async () => stack.telegram.sentTo(chatId).length > 0, 60_000);
    const ms = Date.now() - killedAt;
    latencies.push(ms);
    const texts = stack.telegram.sentTo(chatId).map((m) => m.visibleText);
    console.log(`kill ${round}: pid ${target.pid}, reply after ${ms} ms (${JSON.stringify(texts)})`);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`\nkill -9 mid-turn -> reply (${kills} kills): p50 ${pct(sorted, 50)} ms, p90 ${pct(sorted, 90)} ms, max ${sorted.at(-1)} ms`);
  stack.llm.resetResponder();
  await sleep(20_000);
  console.log('\nidle RSS (20 s after the last turn):');
  for (const p of await stack.cluster.processes()) if (p.pid > 0) console.log(`  ${p.name.padEnd(20)} pid ${p.pid}  ${memLine(p.pid)}`);
  if (sessions > 0) {
    // One message in each of `sessions` chats (a session each), 50 at a time, then idle again.
    const started = Date.now();
    for (let from = 0; from < sessions; from += 50) {
      const batch = Array.from({ length: Math.min(50, sessions - from) }, (_, i) => 20_000 + from + i);
      for (const chatId of batch) stack.telegram.injectMessage({ chatId, text: `session ${chatId}` });
      await until(async () => batch.every((chatId) => stack.telegram.sentTo(chatId).length > 0), 120_000);
    }
    console.log(`\n${sessions} sessions answered in ${Math.round((Date.now() - started) / 1000)} s`);
    await sleep(20_000);
    console.log(`idle RSS after ${sessions} sessions (20 s after the last turn):`);
    for (const p of await stack.cluster.processes()) if (p.pid > 0) console.log(`  ${p.name.padEnd(20)} pid ${p.pid}  ${memLine(p.pid)}`);
  }
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GB`);
} finally {
  redis.disconnect();
  await stack.close();
}
