import { describeError, isAppError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import type { Logger } from '@nanobot/log';

/**
 * The few things of `process` a worker's life needs, handed in by `main.ts` so this
 * package touches no globals (docs/code-style.md) and can be tested with a fake.
 */
export type ProcessPort = {
  env: Record<string, string | undefined>;
  homeDir: string;
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  exit(code: number): never;
  /** pm2's `wait_ready` listens for 'ready' on the IPC channel. */
  sendReady(): void;
};

export type RunnableWorker = {
  /** Starts everything; `onFatal` is called when the worker can no longer go on. */
  start(onFatal: (err: unknown) => void): Promise<void>;
  /** Finishes what is in hand and closes; rejects (e.g. STOP_TIMEOUT) when it could not. */
  stop(reason: string): Promise<void>;
};

export type WorkerProcessOptions = {
  name: string;
  port: ProcessPort;
  log: Logger;
  /** Builds the worker from the validated config; a CONFIG_INVALID thrown here exits 1 with its message. */
  create(loaded: LoadedConfig): Promise<RunnableWorker> | RunnableWorker;
};

/**
 * The life of a pm2 app: load and validate the config (exit 1 naming the bad field),
 * build the worker, stop it once on SIGINT or SIGTERM (exit 0, or 1 if it could not
 * stop in time), exit 1 on a fatal error so pm2 restarts it, and tell pm2 `ready`.
 */
export async function runWorkerProcess(options: WorkerProcessOptions): Promise<void> {
  const { port, log, name } = options;
  const fail = (err: unknown, message: string): never => {
    if (isAppError(err, 'CONFIG_INVALID')) log.fatal({ code: err.code }, describeError(err));
    else log.fatal({ err }, message);
    return port.exit(1);
  };
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ env: port.env, homeDir: port.homeDir });
  } catch (err) {
    return fail(err, 'config could not be loaded');
  }
  for (const warning of loaded.warnings) log.warn({ warning }, 'config warning');
  let worker: RunnableWorker;
  try {
    worker = await options.create(loaded);
  } catch (err) {
    return fail(err, `${name} failed to start`);
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `stopping ${name}`);
    let code = 0;
    try {
      await worker.stop(signal);
    } catch (err) {
      log.error({ err }, `${name} did not stop cleanly, exiting anyway`);
      code = 1;
    }
    log.info('stopped');
    port.exit(code);
  };
  port.onSignal('SIGINT', () => void stop('SIGINT'));
  port.onSignal('SIGTERM', () => void stop('SIGTERM'));
  try {
    await worker.start((err) => fail(err, `${name} cannot continue, exiting for pm2 to restart it`));
  } catch (err) {
    return fail(err, `${name} failed to start`);
  }
  log.info(`${name} ready`);
  port.sendReady();
}

/** The real process, for `main.ts`. */
export function toProcessPort(proc: NodeJS.Process, homeDir: string): ProcessPort {
  return {
    env: proc.env,
    homeDir,
    onSignal: (signal, handler) => void proc.on(signal, handler),
    exit: (code) => proc.exit(code),
    sendReady: () => void proc.send?.('ready'),
  };
}
