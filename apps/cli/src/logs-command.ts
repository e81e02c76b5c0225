import type { Command } from 'commander';
import { createPm2Control, type ProcessInfo } from '@nanobot/ops';
import { appOfLogFile, formatLogLine, parseLogLine } from './format-log-line.js';
import { followFiles, readLastLines } from './tail-logs.js';

type LogsOptions = { lines: string; follow: boolean };

/** The log files of the nanobot apps pm2 knows (all, or the one asked for). */
function logFilesOf(processes: ProcessInfo[], app: string | undefined): { files: string[]; problem: string | null } {
  const ours = processes.filter((p) => p.name.startsWith('nanobot-'));
  const wanted = app === undefined ? ours : ours.filter((p) => p.name === `nanobot-${app.replace(/^nanobot-/, '')}`);
  if (ours.length === 0) return { files: [], problem: 'no nanobot app is known to pm2 (start the cluster with `nanobot start`)' };
  if (wanted.length === 0) {
    const known = [...new Set(ours.map((p) => p.name.replace(/^nanobot-/, '')))].join(', ');
    return { files: [], problem: `no app nanobot-${String(app).replace(/^nanobot-/, '')}; known: ${known}` };
  }
  const files = wanted.flatMap((p) => [p.outLogPath, p.errLogPath]).filter((f): f is string => f !== null);
  return { files: [...new Set(files)], problem: null };
}

/** The last `count` lines of all the files, in time order (a line without a time keeps its file's order). */
async function lastLines(files: string[], count: number): Promise<Array<{ file: string; line: string }>> {
  const all: Array<{ file: string; line: string; at: number; order: number }> = [];
  for (const file of files) {
    let at = 0;
    for (const line of await readLastLines(file, count)) {
      at = parseLogLine(line, appOfLogFile(file)).at ?? at;
      all.push({ file, line, at, order: all.length });
    }
  }
  all.sort((a, b) => a.at - b.at || a.order - b.order);
  return all.slice(-count);
}

/**
 * `nanobot logs [app] [--lines N] [--follow]`: pm2's log files of the cluster, one line per
 * entry (time, level, app, message, fields) instead of raw JSON. pm2 owns the files.
 */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description('show the logs of the cluster (or of one app: telegram, discord, slack, email, agent, scheduler, whatsapp, whatsapp-bridge, dashboard, api, redis), one readable line per entry')
    .argument('[app]', 'one app, without the nanobot- prefix')
    .option('-n, --lines <count>', 'lines of history to show', '100')
    .option('-f, --follow', 'keep printing new lines until Ctrl+C', false)
    .option('--no-follow', 'print and exit (the default)')
    .action(async (app: string | undefined, options: LogsOptions) => {
      const pm2 = createPm2Control();
      let processes: ProcessInfo[];
      try {
        processes = await pm2.list();
      } finally {
        pm2.disconnect();
      }
      const { files, problem } = logFilesOf(processes, app);
      if (problem !== null) {
        process.stderr.write(`nanobot: ${problem}\n`);
        process.exitCode = 1;
        return;
      }
      const color = process.stdout.isTTY === true;
      const print = (file: string, line: string) => process.stdout.write(`${formatLogLine(line, { fileApp: appOfLogFile(file), color })}\n`);
      for (const { file, line } of await lastLines(files, Math.max(0, Number(options.lines) || 0))) print(file, line);
      if (!options.follow) return;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      await followFiles(files, { onLine: print, signal: stop.signal });
    });
}
