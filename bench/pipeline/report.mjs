/** Machine facts and the markdown tables of a pipeline benchmark run. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { stageNames } from './stages.mjs';

export { describeMachine } from '../recovery/stats.mjs';

/** Busy and total CPU time of the whole machine so far (/proc/stat), to see other load during a phase. */
export function cpuSnapshot() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, x) => sum + x, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** The machine's CPU use between two snapshots (every process, the system under test included). */
export function machineLoad(before, after) {
  const total = after.total - before.total;
  return { busyPct: total > 0 ? Math.round(((after.busy - before.busy) / total) * 100) : null, loadavg1: loadavg()[0].toFixed(2) };
}

const ms = (x) => (x === null || x === undefined ? '—' : `${x}`);
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? (a / b).toFixed(1) : '—');

/** One row per phase and one pooled row per system, then cluster/baseline ratios. */
export function latencyTable(phases, pooled) {
  const lines = [
    '| system | round | messages | p50 ms | p95 ms | p99 ms | max ms | replies/s | lost | duplicated | machine CPU busy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const row = (name, round, r) =>
    `| ${name} | ${round} | ${r.injected} | ${ms(r.latency.p50)} | ${ms(r.latency.p95)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${ms(r.throughput)} | ${r.lost} | ${r.duplicated} | ${r.machine === undefined ? '' : `${r.machine.busyPct}%`} |`;
  for (const phase of phases) lines.push(row(phase.system, phase.round, phase));
  for (const [name, r] of Object.entries(pooled)) lines.push(row(`**${name}**`, 'all', r));
  const { cluster, baseline } = pooled;
  if (cluster !== undefined && baseline !== undefined) {
    const keys = ['p50', 'p95', 'p99', 'max'];
    lines.push('', '| cluster / baseline | p50 | p95 | p99 | max |', '| --- | ---: | ---: | ---: | ---: |');
    lines.push(`| ratio | ${keys.map((k) => ratio(cluster.latency[k], baseline.latency[k])).join(' | ')} |`);
  }
  return lines.join('\n');
}

export function stageTable(stages) {
  const lines = ['| cluster stage | p50 ms | p95 ms | p99 ms | max ms | what |', '| --- | ---: | ---: | ---: | ---: | --- |'];
  for (const [name, what] of stageNames) {
    const s = stages[name];
    if (s === undefined) continue;
    lines.push(`| ${name} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${what} |`);
  }
  return lines.join('\n');
}

/** Each system's round trip cut where the fake LLM receives the request. */
export function splitTable(pooled) {
  const lines = ['| system | injected → LLM request p50 / p99 ms | LLM request → reply sent p50 / p99 ms |', '| --- | ---: | ---: |'];
  for (const [name, r] of Object.entries(pooled)) {
    lines.push(`| ${name} | ${ms(r.split.toLlm.p50)} / ${ms(r.split.toLlm.p99)} | ${ms(r.split.fromLlm.p50)} / ${ms(r.split.fromLlm.p99)} |`);
  }
  return lines.join('\n');
}
