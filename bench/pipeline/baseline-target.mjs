/** Starts and stops the in-process baseline (baseline-process.mjs) as one child process. */
import { fork } from 'node:child_process';
import { cp, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeConfig, writeConfig } from '@nanobot/testkit';

const processPath = join(import.meta.dirname, 'baseline-process.mjs');

function waitForReady(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baseline not ready within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (msg) => {
      if (msg?.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baseline exited with ${code} before it was ready`));
    });
  });
}

function exited(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * @param {{ telegram: import('@nanobot/testkit').FakeTelegram, llm: import('@nanobot/testkit').FakeLlm, logLevel: string, keepLogsIn?: string }} options
 */
export async function startBaseline({ telegram, llm, logLevel, keepLogsIn }) {
  const base = await mkdtemp(join(tmpdir(), 'nanobot-bench-baseline-'));
  const home = join(base, 'home');
  await writeConfig(home, fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }));
  // Logs go to a file, as pm2 writes the cluster's logs to files.
  const logFile = await open(join(base, 'baseline.log'), 'w');
  const child = fork(processPath, [], {
    env: { PATH: process.env.PATH, HOME: base, NANOBOT_HOME: home, LOG_LEVEL: logLevel, NODE_ENV: 'production' },
    // e.g. BENCH_BASELINE_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to see where the baseline spends its time.
    execArgv: (process.env.BENCH_BASELINE_NODE_OPTIONS ?? '').split(' ').filter((a) => a !== ''),
    stdio: ['ignore', logFile.fd, logFile.fd, 'ipc'],
  });
  const stop = async () => {
    if (child.connected) child.send({ type: 'stop' });
    if (!(await exited(child, 15_000))) {
      child.kill('SIGKILL');
      await exited(child, 5_000);
    }
    await logFile.close();
    if (keepLogsIn !== undefined) {
      await mkdir(keepLogsIn, { recursive: true });
      await cp(join(base, 'baseline.log'), join(keepLogsIn, 'baseline.log'));
    }
    await rm(base, { recursive: true, force: true });
  };
  try {
    await waitForReady(child, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'baseline', stop };
}
