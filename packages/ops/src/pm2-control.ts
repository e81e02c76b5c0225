import { createRequire } from 'node:module';
import { AppError } from '@nanobot/core';
import { installLogRotation, logRotateModule, type LogRotationResult, type LogRotationSettings } from './log-rotation.js';

// pm2 is CommonJS with callback APIs; its types come with the package. Loaded on first use:
// it takes a second to load, which `nanobot agent` and the dashboard's pages need not wait for.
const require = createRequire(import.meta.url);
let loaded: typeof import('pm2') | undefined;
const pm2 = (): typeof import('pm2') => (loaded ??= require('pm2') as typeof import('pm2'));

export type ProcessInfo = {
  name: string;
  pmId: number;
  pid: number;
  status: string;
  restarts: number;
  uptimeMs: number | null;
  memoryBytes: number;
  cpu: number;
  /** pm2's log files of the process (stdout, stderr); null when pm2 does not say. */
  outLogPath: string | null;
  errLogPath: string | null;
};

function call<T>(what: string, fn: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => {
      if (err) reject(new AppError('INTERNAL', `pm2 ${what} failed: ${err.message ?? String(err)}`, { cause: err }));
      else resolve(value as T);
    });
  });
}

/** The pm2 daemon of `PM2_HOME` (pm2 reads it itself), through pm2's programmatic API. */
export function createPm2Control() {
  let connected = false;
  const connect = async () => {
    if (connected) return;
    await call<void>('connect', (done) => pm2().connect((err) => done(err ?? null)));
    connected = true;
  };
  return {
    async start(ecosystemPath: string): Promise<void> {
      await connect();
      await call('start', (done) => pm2().start(ecosystemPath, (err, value) => done(err ?? null, value)));
    },
    /** One app of the ecosystem file (its object), so each can be reported as it comes up. */
    async startApp(app: Record<string, unknown>): Promise<void> {
      await connect();
      await call('start', (done) => pm2().start(app as import('pm2').StartOptions, (err, value) => done(err ?? null, value)));
    },
    /** pm2-logrotate as a module of this pm2, with our size and retention (log-rotation.ts). */
    async installLogRotation(settings: LogRotationSettings): Promise<LogRotationResult> {
      const running = (await this.list()).some((p) => p.name === logRotateModule && p.status === 'online');
      return installLogRotation({
        pm2: pm2(),
        settings,
        running,
        // `updateEnv`: pm2 merges the module's settings into its environment (what `pm2 set` does).
        restart: (name) => {
          const restart = pm2().restart as unknown as (name: string, opts: object, cb: (err: Error | null) => void) => void;
          return call<void>('restart', (done) => restart.call(pm2(), name, { updateEnv: true }, (err) => done(err ?? null)));
        },
      });
    },
    async list(): Promise<ProcessInfo[]> {
      await connect();
      const list = await call<import('pm2').ProcessDescription[]>('list', (done) => pm2().list((err, value) => done(err ?? null, value)));
      return list.map((p) => ({
        name: p.name ?? '?',
        pmId: p.pm_id ?? -1,
        pid: p.pid ?? 0,
        status: p.pm2_env?.status ?? 'unknown',
        restarts: p.pm2_env?.restart_time ?? 0,
        uptimeMs: p.pm2_env?.status === 'online' && p.pm2_env.pm_uptime !== undefined ? Date.now() - p.pm2_env.pm_uptime : null,
        memoryBytes: p.monit?.memory ?? 0,
        cpu: p.monit?.cpu ?? 0,
        outLogPath: p.pm2_env?.pm_out_log_path ?? null,
        errLogPath: p.pm2_env?.pm_err_log_path ?? null,
      }));
    },
    async remove(name: string): Promise<void> {
      await connect();
      await call('delete', (done) => pm2().delete(name, (err, value) => done(err ?? null, value)));
    },
    disconnect(): void {
      if (connected) pm2().disconnect();
      connected = false;
    },
  };
}

export type Pm2Control = ReturnType<typeof createPm2Control>;
