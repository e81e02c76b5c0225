import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Command } from 'commander';

const require = createRequire(import.meta.url);

/** `nanobot logs [app]`: pm2 owns the log files; this shows them (all nanobot apps by default). */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description('show the logs of the cluster (or of one app: telegram, agent, whatsapp, whatsapp-bridge, dashboard, redis)')
    .argument('[app]', 'one app, without the nanobot- prefix')
    .option('-n, --lines <count>', 'lines of history to show', '100')
    .option('--no-follow', 'print and exit instead of following')
    .action((app: string | undefined, options: { lines: string; follow: boolean }) => {
      const pm2Bin = require.resolve('pm2/bin/pm2');
      const target = app === undefined ? '/^nanobot-/' : `nanobot-${app.replace(/^nanobot-/, '')}`;
      const args = ['logs', target, '--lines', options.lines, ...(options.follow ? [] : ['--nostream'])];
      const child = spawn(process.execPath, [pm2Bin, ...args], { stdio: 'inherit' });
      child.on('exit', (code) => {
        process.exitCode = code ?? 1;
      });
    });
}
