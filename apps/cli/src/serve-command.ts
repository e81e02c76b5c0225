import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeError } from '@nanobot/core';
import { apiProblem, apiSettings, loadConfig } from '@nanobot/config';
import { homedir } from 'node:os';

type ServeOptions = { port?: string; host?: string; timeout?: string };

/** nanobot's `serve` flags, as the env overrides every app reads (NANOBOT_API__PORT...). */
export function toServeEnv(options: ServeOptions): Record<string, string> {
  return {
    ...(options.host === undefined ? {} : { NANOBOT_API__HOST: options.host }),
    ...(options.port === undefined ? {} : { NANOBOT_API__PORT: options.port }),
    ...(options.timeout === undefined ? {} : { NANOBOT_API__TIMEOUT: options.timeout }),
  };
}

/**
 * `nanobot serve`: the OpenAI-compatible API in the foreground (the same app pm2 runs as
 * nanobot-api). Its answers come from the cluster's agents, so the cluster runs too.
 */
export function registerServeCommand(program: Command, root: string): void {
  program
    .command('serve')
    .description('run the OpenAI-compatible API (/v1/chat/completions) in the foreground; the cluster answers')
    .option('-p, --port <port>', 'API server port (api.port, default 8900)')
    .option('-H, --host <host>', 'bind address (api.host, default 127.0.0.1)')
    .option('-t, --timeout <seconds>', 'per-request timeout (api.timeout, default 120)')
    .action(async (options: ServeOptions) => {
      const env = { ...process.env, ...toServeEnv(options) };
      let problem: string | null;
      try {
        const loaded = await loadConfig({ env, homeDir: homedir() });
        problem = apiProblem(apiSettings(loaded.config));
      } catch (err) {
        process.stderr.write(`nanobot: ${describeError(err)}\n`);
        process.exit(1);
      }
      if (problem !== null) {
        process.stderr.write(`nanobot: ${problem}\n`);
        process.exit(1);
      }
      const child = spawn(process.execPath, [resolve(root, 'apps/api/dist/main.js')], { env, stdio: 'inherit' });
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      process.on('SIGINT', forward('SIGINT'));
      process.on('SIGTERM', forward('SIGTERM'));
      child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
    });
}
