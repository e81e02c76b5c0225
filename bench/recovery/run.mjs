/**
 * bench/recovery: how long the real cluster (pm2, private redis-server with AOF,
 * fake Telegram, fake LLM) takes to answer again after each fault of the fault-
 * injection suite (docs/reliability.md), with a no-fault round trip of the same setup next to it.
 *
 *   npm run bench:recovery -- [--reps 5] [--outage-reps 1] [--outage-s 60] [--only telegramKill,agentKill]
 *
 * Prints a markdown table and writes JSON to bench/results/recovery-<date>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTraffic, repoRoot } from '@nanobot/testkit';
import { createCalmTracker, sleep } from './probes.mjs';
import { recoveryTable, scenarioInfo } from './report.mjs';
import * as scenarios from './scenarios.mjs';
import { describeMachine, summarize } from './stats.mjs';
import { startSetup } from './setup.mjs';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    'baseline-reps': { type: 'string', default: '10' },
    'outage-reps': { type: 'string', default: '1' },
    'outage-s': { type: 'string', default: '60' },
    only: { type: 'string', default: Object.keys(scenarioInfo).join(',') },
    'log-level': { type: 'string', default: 'info' },
    'keep-logs': { type: 'boolean', default: false },
  },
});
const options = {
  reps: Number(args.reps),
  baselineReps: Number(args['baseline-reps']),
  outageReps: Number(args['outage-reps']),
  outageMs: Number(args['outage-s']) * 1000,
  only: new Set(args.only.split(',')),
  logLevel: args['log-level'],
};
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(repoRoot, 'bench/results');
const interrupted = new AbortController();
process.on('SIGINT', () => {
  if (interrupted.signal.aborted) process.exit(130);
  console.error('interrupted: stopping what was started (Ctrl-C again to quit at once)');
  interrupted.abort();
});

/** One rep of a scenario on fresh chats (own token prefix), appended to `results[name]`; a failed rep is kept as ms null. */
async function rep(results, name, context, measure) {
  if (!options.only.has(name) || interrupted.signal.aborted) return;
  const result = (results[name] ??= { samples: [], traffics: [] });
  const n = result.samples.length;
  const chats = Array.from({ length: context.chatsPerRep ?? 1 }, (_, i) => context.firstChat + n * 10 + i);
  const traffic = createTraffic(context.setup.telegram, { chats, prefix: `${name}${n}` });
  result.traffics.push(traffic);
  try {
    if (context.settleFirst) await scenarios.settle({ ...context, chatId: context.settleChat });
    result.samples.push(await measure({ ...context, traffic, chatId: chats[0], chats }));
  } catch (err) {
    result.samples.push({ ms: null, error: err instanceof Error ? err.message : String(err) });
  }
  console.error(`${name} ${n + 1}: ${JSON.stringify(result.samples.at(-1))}`);
}

async function reps(results, name, count, context, measure) {
  for (let i = 0; i < count; i += 1) await rep(results, name, context, measure);
}

/** After a quiet pause (late duplicates would show), each scenario's messages: answered once, in order? */
async function checkDelivery(results, names) {
  await sleep(3_000);
  for (const name of names) {
    const result = results[name];
    if (result === undefined) continue;
    const reports = result.traffics.map((t) => t.report());
    result.report = reports.reduce((sum, r) => ({
      sent: sum.sent + r.sent,
      answered: sum.answered + r.answered,
      missing: [...sum.missing, ...r.missing],
      duplicated: [...sum.duplicated, ...r.duplicated],
      unexpected: [...sum.unexpected, ...r.unexpected],
      reorderedChats: [...sum.reorderedChats, ...r.reorderedChats],
    }));
  }
}

/** Everything a scenario needs; settle probes go to their own chat. */
async function context(setup) {
  const calm = createCalmTracker(setup.cluster);
  const traffic = createTraffic(setup.telegram, { chats: [70_000], prefix: 'settle' });
  const base = { setup, calm, traffic, settleChat: 70_000 };
  await scenarios.settle({ ...base, chatId: 70_000 });
  return base;
}

/** One telegram instance, one agent: baselines, then the kills and the Redis restart interleaved, then the outage. */
async function singlePhase(results, keepLogsIn) {
  const setup = await startSetup({ logLevel: options.logLevel, keepLogsIn });
  try {
    const base = await context(setup);
    await reps(results, 'baseline', options.baselineReps, { ...base, firstChat: 71_000 }, scenarios.roundTrip);
    setup.llm.setLatency(500);
    await reps(results, 'baselineSlowLlm', options.baselineReps, { ...base, firstChat: 72_000 }, scenarios.roundTrip);
    setup.llm.setLatency(0);
    // Interleaved, so one process's pm2 restart delay resets while the others are measured.
    for (let i = 0; i < options.reps; i += 1) {
      await rep(results, 'telegramKill', { ...base, firstChat: 73_000, settleFirst: true }, scenarios.telegramKill);
      await rep(results, 'redisRestart', { ...base, firstChat: 74_000, settleFirst: true }, scenarios.redisRestart);
      await rep(results, 'agentKill', { ...base, firstChat: 75_000, settleFirst: true }, scenarios.agentKill);
    }
    const outage = (ctx) => scenarios.telegramOutage({ ...ctx, outageMs: options.outageMs });
    const outageContext = { ...base, firstChat: 76_000, chatsPerRep: 4, settleFirst: true };
    await reps(results, 'telegramOutage', options.outageReps, outageContext, outage);
    await checkDelivery(results, ['baseline', 'baselineSlowLlm', 'telegramKill', 'redisRestart', 'agentKill', 'telegramOutage']);
    results.restarts = { single: await setup.cluster.processes() };
  } finally {
    await setup.stop();
  }
}

/** Two telegram instances (one polls, one waits), one agent. */
async function standbyPhase(results, keepLogsIn) {
  const setup = await startSetup({ telegramInstances: 2, logLevel: options.logLevel, keepLogsIn });
  try {
    const base = { ...(await context(setup)), telegramInstances: 2 };
    await reps(results, 'standbyBaseline', options.baselineReps, { ...base, firstChat: 81_000 }, scenarios.roundTrip);
    const standby = { ...base, firstChat: 82_000, settleFirst: true };
    for (let i = 0; i < options.reps; i += 1) {
      await rep(results, 'standbyTakeover', standby, scenarios.standbyTakeover);
      await rep(results, 'standbyTakeoverFrozen', { ...standby, firstChat: 83_000 }, scenarios.standbyTakeoverFrozen);
    }
    await checkDelivery(results, ['standbyBaseline', 'standbyTakeover', 'standbyTakeoverFrozen']);
    results.restarts = { ...results.restarts, standby: await setup.cluster.processes() };
  } finally {
    await setup.stop();
  }
}

const wants = (...names) => names.some((n) => options.only.has(n));

async function main() {
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  const results = {};
  const logs = (phase) => (args['keep-logs'] ? join(resultsDir, `recovery-${stamp}-logs`, phase) : undefined);
  if (wants('baseline', 'baselineSlowLlm', 'telegramKill', 'redisRestart', 'agentKill', 'telegramOutage')) {
    await singlePhase(results, logs('single'));
  }
  if (!interrupted.signal.aborted && wants('standbyBaseline', 'standbyTakeover', 'standbyTakeoverFrozen')) await standbyPhase(results, logs('standby'));
  const { restarts, ...scenarioResults } = results;
  const header = `${startedAt} · ${machine.nproc} cores ${machine.cpu} · Node ${machine.node} · ${machine.redis.split(' ').slice(0, 3).join(' ')} · load ${machine.loadavg1AtStart} at start`;
  console.log(`${header}\n\n${recoveryTable(scenarioResults, Number(args['outage-s']))}`);
  const json = Object.fromEntries(
    Object.entries(scenarioResults).map(([name, r]) => [
      name,
      { targetMs: scenarioInfo[name].targetMs, summary: summarize(r.samples.map((x) => x.ms)), samples: r.samples, delivery: r.report },
    ]),
  );
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `recovery-${stamp}.json`);
  await writeFile(file, JSON.stringify({ startedAt, command: process.argv.slice(2), machine, options: { ...options, only: [...options.only] }, scenarios: json, restarts }, null, 2));
  console.error(`results: ${file}`);
  const undelivered = Object.values(scenarioResults).some(
    ({ report: r }) => r !== undefined && r.missing.length + r.duplicated.length + r.unexpected.length + r.reorderedChats.length > 0,
  );
  process.exitCode = undelivered || interrupted.signal.aborted ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
