/**
 * Agent throughput: replies/s of 1, 2 and 4 `nanobot-agent` processes (the real
 * apps/agent/dist/main.js, spawned) sharing one private redis-server, against the
 * fake LLM with a fixed latency (1 s), with many sessions active at once.
 *
 *   node bench/throughput/run.mjs [--instances 1,2,4] [--sessions 200] [--messages 5]
 *        [--turns 50] [--latency-ms 1000] [--timeout-s 300] [--node-args=--max-semi-space-size=1]
 *        [--agent-env=MALLOC_ARENA_MAX=2]
 *
 * --turns is agents.defaults.maxConcurrentTurns (turns per instance). Every session
 * gets --messages messages up front; a run ends when every message has its reply.
 * Reported: replies/s over the whole run (enqueueing, ramp-up and the last turns'
 * tail included), the steady rate between the 10th and the 90th percentile reply
 * (from the reply jobs' creation times), turn concurrency seen at the fake LLM,
 * failed jobs, error replies, lost and duplicated replies (must be 0). --node-args are
 * passed to each agent's node (space-separated: V8 flags such as ecosystem.config.js gives
 * under pm2), to compare a flag against none in one run; --agent-env adds variables to each
 * agent's environment (space-separated KEY=VALUE, such as the ecosystem's MALLOC_ARENA_MAX). JSON goes
 * to bench/results/.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullPrefix, createQueues, queueNames } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis } from '@nanobot/testkit';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1,2,4' },
    sessions: { type: 'string', default: '200' },
    messages: { type: 'string', default: '5' },
    turns: { type: 'string', default: '50' },
    'latency-ms': { type: 'string', default: '1000' },
    'timeout-s': { type: 'string', default: '300' },
    'node-args': { type: 'string', default: '' },
    'agent-env': { type: 'string', default: '' },
  },
});
const opts = {
  instances: values.instances.split(',').map(Number),
  sessions: Number(values.sessions),
  messages: Number(values.messages),
  turns: Number(values.turns),
  latencyMs: Number(values['latency-ms']),
  timeoutMs: Number(values['timeout-s']) * 1000,
  nodeArgs: values['node-args'].split(' ').filter((a) => a !== ''),
  agentEnv: Object.fromEntries(values['agent-env'].split(' ').filter((a) => a.includes('=')).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)])),
};
const log = createLogger({ name: 'bench-throughput', level: 'warn' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startAgent(env) {
  const child = spawn(process.execPath, [...opts.nodeArgs, join(root, 'apps/agent/dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise((done, fail) => {
    child.stdout.on('data', (c) => {
      out += c.toString();
      if (out.includes('agent ready')) done();
      if (out.length > 1_000_000) out = out.slice(-100_000);
    });
    child.once('exit', (code) => fail(new Error(`agent exited with ${code}: ${out.slice(-2000)}`)));
  });
  child.stderr.on('data', (c) => (out += c.toString()));
  return { child, ready, log: () => out };
}

/** Replies/s between the 10th and the 90th percentile reply: the rate once every turn slot is busy. */
function steadyRate(times) {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length < 10) return null;
  const from = Math.floor(sorted.length * 0.1);
  const to = Math.floor(sorted.length * 0.9);
  const ms = sorted[to] - sorted[from];
  return ms > 0 ? Number((((to - from) * 1000) / ms).toFixed(1)) : null;
}

async function runOnce(count) {
  const redis = await startRedis();
  const llm = await startFakeLlm();
  llm.setLatency(opts.latencyMs);
  const home = await mkdtemp(join(tmpdir(), 'nb-throughput-'));
  const config = { agents: { defaults: { provider: 'custom', model: 'bench-model', maxConcurrentTurns: opts.turns } }, providers: { custom: { apiBase: llm.baseUrl } } };
  await writeFile(join(home, 'config.json'), JSON.stringify(config));
  const env = { PATH: process.env.PATH, HOME: home, NANOBOT_HOME: home, REDIS_URL: redis.url, LOG_LEVEL: 'info', ...opts.agentEnv };
  const agents = Array.from({ length: count }, () => startAgent(env));
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues(connection, log);
  const outbound = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
  try {
    await Promise.all(agents.map((a) => a.ready));
    const total = opts.sessions * opts.messages;
    const messages = [];
    let seq = 0;
    for (let m = 0; m < opts.messages; m += 1) {
      for (let s = 0; s < opts.sessions; s += 1) {
        seq += 1;
        messages.push({ kind: 'message', id: `bench-${s}-${m}`, channel: 'telegram', chatId: `${s}`, senderId: `${s}`, sessionKey: `telegram:${s}`, seq, receivedAt: Date.now(), text: `s${s} m${m}`, media: [] });
      }
    }
    const started = Date.now();
    await Promise.all(messages.map((m) => queues.addInbound(m)));
    const enqueueSeconds = (Date.now() - started) / 1000;
    let done = 0;
    while (Date.now() - started < opts.timeoutMs) {
      done = await outbound.getWaitingCount();
      if (process.env.BENCH_DEBUG) console.error({ done, counts: await queues.inbound.getJobCounts() });
      if (done >= total) break;
      await sleep(100);
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(1000); // a duplicate would show up now
    const replyJobs = await outbound.getJobs(['wait']);
    const replies = replyJobs.map((j) => j.data);
    const byInbound = new Map();
    for (const r of replies) byInbound.set(r.inReplyTo, (byInbound.get(r.inReplyTo) ?? 0) + 1);
    const failed = (await queues.inbound.getJobCounts('failed')).failed;
    return {
      instances: count,
      sessions: opts.sessions,
      messages: total,
      turnsPerInstance: opts.turns,
      latencyMs: opts.latencyMs,
      seconds: Number(seconds.toFixed(2)),
      repliesPerSecond: Number((total / seconds).toFixed(1)),
      steadyPerSecond: steadyRate(replyJobs.map((j) => j.timestamp)),
      enqueueSeconds: Number(enqueueSeconds.toFixed(2)),
      idealPerSecond: Number(((Math.min(count * opts.turns, opts.sessions) * 1000) / opts.latencyMs).toFixed(1)),
      peakConcurrentLlmCalls: llm.maxInFlight(),
      lost: messages.filter((m) => !byInbound.has(m.id)).length,
      duplicated: [...byInbound.values()].filter((n) => n > 1).length,
      errorReplies: replies.filter((r) => r.text === 'Sorry, I encountered an error.').length,
      failedJobs: failed,
    };
  } finally {
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => new Promise((r) => (a.child.exitCode !== null ? r() : a.child.once('exit', r)))));
    await outbound.close();
    await queues.close();
    await connection.quit();
    await llm.close();
    await redis.close();
    await rm(home, { recursive: true, force: true });
  }
}

const results = [];
for (const count of opts.instances) {
  const result = await runOnce(count);
  results.push(result);
  console.error(`instances=${count} done: ${result.repliesPerSecond} replies/s`);
}
console.log(`machine: ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}, agent node args: ${opts.nodeArgs.join(' ') || '(none)'}, agent env: ${Object.entries(opts.agentEnv).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}\n`);
const single = results.find((r) => r.instances === 1);
const scaling = (r) => (single?.steadyPerSecond && r.steadyPerSecond ? `${((r.steadyPerSecond / (single.steadyPerSecond * r.instances)) * 100).toFixed(0)} %` : '—');
console.log('| instances | turns/instance | sessions | messages | enqueue s | seconds | replies/s, whole run | steady replies/s (p10–p90) | ideal/s | steady vs 1 instance × n | peak LLM calls | lost | dup | error replies | failed jobs |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.instances} | ${r.turnsPerInstance} | ${r.sessions} | ${r.messages} | ${r.enqueueSeconds} | ${r.seconds} | ${r.repliesPerSecond} | ${r.steadyPerSecond ?? '—'} | ${r.idealPerSecond} | ${scaling(r)} | ${r.peakConcurrentLlmCalls} | ${r.lost} | ${r.duplicated} | ${r.errorReplies} | ${r.failedJobs} |`);
}
await mkdir(join(root, 'bench/results'), { recursive: true });
await writeFile(join(root, `bench/results/throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ opts, results }, null, 2));
process.exitCode = results.some((r) => r.lost > 0 || r.duplicated > 0 || r.errorReplies > 0 || r.failedJobs > 0) ? 1 : 0;
