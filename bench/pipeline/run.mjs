/**
 * bench/pipeline: end-to-end latency of one user message, injected at the fake
 * Telegram until its reply is recorded there, with an instant fake LLM: the real
 * cluster under pm2 (private redis-server) next to an in-process baseline (the
 * same code with the bus replaced by direct calls), in the same run.
 *
 *   npm run bench:pipeline -- --rate 20 --seconds 60 [--rounds 2] [--chats 100]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startFakeLlm, startFakeTelegram } from '@nanobot/testkit';
import { startBaseline } from './baseline-target.mjs';
import { startCluster } from './cluster-target.mjs';
import { driveLoad, probe } from './load.mjs';
import { cpuSnapshot, describeMachine, latencyTable, machineLoad, splitTable, stageTable } from './report.mjs';
import { median, summarize } from './stats.mjs';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' },
    count: { type: 'string' },
    warmup: { type: 'string', default: '50' },
    chats: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '1' },
    systems: { type: 'string', default: 'baseline,cluster' },
    'log-level': { type: 'string', default: 'info' },
    'drain-timeout-s': { type: 'string', default: '30' },
    'keep-logs': { type: 'boolean', default: false },
  },
});

const positive = (name) => {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${args[name]}`);
  return value;
};
const rate = positive('rate');
const options = {
  rate,
  count: args.count === undefined ? Math.round(rate * positive('seconds')) : Math.round(positive('count')),
  warmup: Math.round(Number(args.warmup)),
  chats: Math.round(positive('chats')),
  rounds: Math.round(positive('rounds')),
  systems: args.systems.split(',').filter((s) => s === 'baseline' || s === 'cluster'),
  logLevel: args['log-level'],
  drainTimeoutMs: positive('drain-timeout-s') * 1000,
  graceMs: 1_000,
};
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(repoRoot, 'bench/results');
const starters = { baseline: startBaseline, cluster: startCluster };

const interrupted = new AbortController();
process.on('SIGINT', () => {
  if (interrupted.signal.aborted) process.exit(130);
  console.error('interrupted: stopping what was started (Ctrl-C again to quit at once)');
  interrupted.abort();
});

async function runPhase(system, round, index) {
  const tag = `${system[0]}${round}`;
  // Distinct update ids per phase, so no job id of one phase repeats in another.
  const telegram = await startFakeTelegram({ firstUpdateId: 1_000_000 * (index + 1) });
  const llm = await startFakeLlm();
  let target;
  try {
    const keepLogsIn = args['keep-logs'] ? join(resultsDir, `pipeline-${stamp}-logs`, `${system}-${round}`) : undefined;
    target = await starters[system]({ telegram, llm, logLevel: options.logLevel, keepLogsIn });
    await probe(telegram, tag, 60_000);
    console.error(`${system} round ${round}: ${options.warmup} + ${options.count} messages at ${options.rate}/s`);
    const cpuBefore = cpuSnapshot();
    const result = await driveLoad({ telegram, llm }, { ...options, tag }, interrupted.signal);
    const stages = target.stages === undefined ? undefined : await target.stages(result.replyTimes);
    const machine = machineLoad(cpuBefore, cpuSnapshot());
    const split = { toLlm: summarize(result.toLlmMs), fromLlm: summarize(result.fromLlmMs) };
    return { system, round, ...result, latency: summarize(result.latenciesMs), split, stages, machine };
  } finally {
    await target?.stop();
    await llm.close();
    await telegram.close();
  }
}

/** Alternating order per round (ABBA…), so neither system always runs on a warmer machine. */
function schedule() {
  const phases = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    const order = round % 2 === 1 ? options.systems : [...options.systems].reverse();
    for (const system of order) phases.push({ system, round });
  }
  return phases;
}

function pool(phases) {
  const pooled = {};
  for (const system of options.systems) {
    const mine = phases.filter((p) => p.system === system);
    if (mine.length === 0) continue;
    const sum = (key) => mine.reduce((total, p) => total + p[key], 0);
    const stageSamples = mine.filter((p) => p.stages !== undefined).map((p) => p.stages.samples);
    pooled[system] = {
      injected: sum('injected'),
      replies: sum('replies'),
      lost: sum('lost'),
      duplicated: sum('duplicated'),
      unmatched: sum('unmatched'),
      throughput: median(mine.map((p) => p.throughput)),
      latency: summarize(mine.flatMap((p) => p.latenciesMs)),
      split: { toLlm: summarize(mine.flatMap((p) => p.toLlmMs)), fromLlm: summarize(mine.flatMap((p) => p.fromLlmMs)) },
      stages:
        stageSamples.length === 0
          ? undefined
          : Object.fromEntries(Object.keys(stageSamples[0]).map((k) => [k, summarize(stageSamples.flatMap((s) => s[k]))])),
    };
  }
  return pooled;
}

async function main() {
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  const phases = [];
  for (const [index, { system, round }] of schedule().entries()) {
    if (interrupted.signal.aborted) break;
    phases.push(await runPhase(system, round, index));
  }
  const pooled = pool(phases);
  const latency = latencyTable(phases, pooled);
  const stages = pooled.cluster?.stages === undefined ? '' : `\n\n${stageTable(pooled.cluster.stages)}`;
  const split = `\n\n${splitTable(pooled)}`;
  const header = `${startedAt} · ${machine.nproc} cores ${machine.cpu} · Node ${machine.node} · ${options.rate} msg/s, ${options.count} messages (+${options.warmup} warm-up), ${options.chats} chats, LOG_LEVEL=${options.logLevel}`;
  console.log(`${header}\n\n${latency}${split}${stages}`);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `pipeline-${stamp}.json`);
  const strip = ({ replyTimes, toLlmMs, fromLlmMs, stages: s, ...rest }) => ({ ...rest, stages: s?.stages, stagesMissing: s?.missing });
  await writeFile(file, JSON.stringify({ startedAt, command: process.argv.slice(2), machine, options, pooled, phases: phases.map(strip) }, null, 2));
  console.error(`results: ${file}`);
  const failed = Object.values(pooled).some((p) => p.lost > 0 || p.duplicated > 0);
  process.exitCode = failed || interrupted.signal.aborted ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
