import { createRequire } from 'node:module';
import { describeError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import type { Pm2Control, ProcessInfo } from '@nanobot/ops';

type EcosystemApp = Record<string, unknown> & { name: string; wait_ready?: boolean };

/** The apps of the ecosystem file, read the way pm2 reads it (it is CommonJS, design-notes L16). */
export function readEcosystemApps(ecosystemPath: string): EcosystemApp[] {
  const require = createRequire(import.meta.url);
  return (require(ecosystemPath) as { apps: EcosystemApp[] }).apps;
}

/** Every instance of the app runs. */
export const isAppUp = (app: EcosystemApp, processes: ProcessInfo[]): boolean => {
  const mine = processes.filter((p) => p.name === app.name);
  return mine.length > 0 && mine.every((p) => p.status === 'online');
};

/** `  nanobot-telegram          ready    pid 1234      1.9s` (pids of every instance). */
export function toAppLine(app: EcosystemApp, processes: ProcessInfo[], tookMs: number): string {
  const mine = processes.filter((p) => p.name === app.name);
  const state = !isAppUp(app, processes) ? (mine[0]?.status ?? 'not started') : app.wait_ready === true ? 'ready' : 'online';
  const pids = mine.map((p) => p.pid).join(',') || '-';
  return `  ${app.name.padEnd(26)} ${state.padEnd(8)} pid ${pids.padEnd(12)} ${(tookMs / 1000).toFixed(1)}s`;
}

export type StartOptions = {
  pm2: Pm2Control;
  ecosystemPath: string;
  loaded: LoadedConfig;
  print: (line: string) => void;
  now?: () => number;
};

/**
 * `nanobot start`: the apps in the ecosystem file's order (the embedded Redis first, which the
 * others wait for), a line for each as pm2 reports it ready (apps with `wait_ready` tell pm2 once
 * their queues are connected), then log rotation. False when an app did not come up.
 */
export async function startCluster(options: StartOptions): Promise<boolean> {
  const { pm2, print } = options;
  const now = options.now ?? Date.now;
  const apps = readEcosystemApps(options.ecosystemPath);
  print(`Starting ${apps.length} apps under pm2...`);
  const started = now();
  let ok = true;
  const startOne = async (app: EcosystemApp): Promise<void> => {
    try {
      await pm2.startApp(app);
      const processes = await pm2.list();
      if (!isAppUp(app, processes)) ok = false;
      print(toAppLine(app, processes, now() - started));
    } catch (err) {
      ok = false;
      print(`  ${app.name.padEnd(26)} failed   ${describeError(err)}`);
    }
  };
  // One at a time: pm2's API object is not safe for concurrent start() calls (apps get lost).
  for (const app of apps) await startOne(app);
  const { maxSizeMb, retainFiles } = options.loaded.config.logs;
  try {
    await pm2.installLogRotation({ maxSizeMb, retainFiles });
    print(`Log rotation: pm2-logrotate, each log file rotated above ${maxSizeMb} MB and daily, ${retainFiles} rotated files kept (logs.maxSizeMb, logs.retainFiles)`);
  } catch (err) {
    // The cluster runs without it; the operator should know the disk is not looked after.
    print(`Log rotation: not installed: ${describeError(err)}`);
  }
  return ok;
}
