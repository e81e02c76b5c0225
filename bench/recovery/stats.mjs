/** Summaries of recovery samples (milliseconds) and the machine they were taken on. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Median (mean of the middle two for an even count), p90, min and max; failed samples (null) are counted apart. */
export function summarize(samples) {
  const sorted = samples.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0 ? null : sorted.length % 2 === 1 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  return {
    count: sorted.length,
    failed: samples.length - sorted.length,
    min: sorted[0] ?? null,
    median,
    p90: percentile(sorted, 90),
    max: sorted.length === 0 ? null : sorted[sorted.length - 1],
  };
}

export function describeMachine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  let redis = 'unknown';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // Only a label for the report; startRedis fails loudly later if redis-server is missing.
  }
  return {
    nproc: availableParallelism(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    redis,
    loadavg1AtStart: loadavg()[0].toFixed(2),
  };
}
