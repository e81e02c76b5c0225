import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** The terminal chat lives in the agent app (same agent code); the CLI only starts it. */
const chatEntry = resolve(dirname(fileURLToPath(import.meta.url)), '../../agent/dist/chat-main.js');

type AgentOptions = { message?: string; session: string; logs: boolean; local: boolean; markdown: boolean };

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('chat with the agent: one message with -m, else interactively (exit, quit, :q or Ctrl+D to leave)')
    .option('-m, --message <text>', 'send one message and print the reply')
    .option('-s, --session <key>', 'session key', 'cli:direct')
    .option('--logs', 'show the agent log on stderr', false)
    .option('--no-logs', 'hide the agent log (default)')
    .option('--markdown', 'accepted for nanobot compatibility; replies are printed as they are', true)
    .option('--no-markdown', 'accepted for nanobot compatibility')
    .option('--local', 'answer in this process even when the cluster is running', false)
    .action(async (options: AgentOptions) => {
      const args = ['--session', options.session];
      if (options.message !== undefined) args.push('--message', options.message);
      if (options.logs) args.push('--logs');
      if (options.local) args.push('--local');
      const child = spawn(process.execPath, [chatEntry, ...args], { stdio: 'inherit', env: process.env });
      // Ctrl+C reaches the child through the terminal; the CLI just waits for it.
      process.on('SIGINT', () => undefined);
      const code = await new Promise<number>((done) => child.on('exit', (exitCode) => done(exitCode ?? 1)));
      process.exitCode = code;
    });
}
