import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Runs `code` as an ES module in a fresh node (from the repository root) and says how it ended. */
function runNode(code: string) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rejectLater = `
setTimeout(() => { Promise.reject(new Error('test rejection')); }, 50);
setTimeout(() => { console.log('STILL ALIVE'); process.exit(0); }, 1500);
`;

describe('startPm2Io', () => {
  it('leaves an unhandled rejection fatal: the process exits 1', () => {
    const run = runNode(`
import { startPm2Io } from '@nanobot/metrics';
startPm2Io();
console.log('listeners', process.listeners('unhandledRejection').length, process.listeners('uncaughtException').length);
${rejectLater}`);
    expect(run.output).toContain('listeners 0 0');
    expect(run.output).toContain('test rejection');
    expect(run.output).not.toContain('STILL ALIVE');
    expect(run.status).toBe(1);
  });

  it('keeps it fatal when something loads @pm2/io after us (it gets our instance)', () => {
    const run = runNode(`
import { createRequire } from 'node:module';
import { startPm2Io } from '@nanobot/metrics';
const ours = startPm2Io();
const again = createRequire(import.meta.url)('@pm2/io');
console.log('same', ours === again);
${rejectLater}`);
    expect(run.output).toContain('same true');
    expect(run.status).toBe(1);
  });

  // Why the entry point is avoided: this is the trap the first test would fall into.
  it('(the library as documented would swallow it: its entry point installs handlers init() cannot remove)', () => {
    const run = runNode(`
import { createRequire } from 'node:module';
createRequire(import.meta.url)('@pm2/io').init({ catchExceptions: false });
${rejectLater}`);
    expect(run.output).toContain('STILL ALIVE');
    expect(run.status).toBe(0);
  });
});
