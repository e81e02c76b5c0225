import { mkdir, stat } from 'node:fs/promises';
import { z } from 'zod';
import type { ExecConfig } from '@nanobot/config';
import { checkCommandPaths } from './check-command-paths.js';
import { createCommandPolicy } from './command-policy.js';
import type { PathGuard } from './protected-paths.js';
import { runCommand, type CommandRun, type ProcessGroups } from './run-command.js';
import { defineTool, type Tool } from './tool-registry.js';

/** nanobot's limits: output kept (head and tail), and the longest timeout the model may ask for. */
export const maxExecOutputChars = 10_000;
const maxCallTimeoutS = 600;

export type ExecToolOptions = {
  config: ExecConfig;
  guard: PathGuard;
  restrictToWorkspace: boolean;
  /** The agent's environment: only PATH, HOME, LANG, TERM and `allowedEnvKeys` reach a command. */
  env: Record<string, string | undefined>;
  groups: ProcessGroups;
  /** The agent is stopping: running commands are killed, new ones refused. */
  shutdown?: AbortSignal;
  /** Refusal text when the command names a URL of a private address (the SSRF rule of web_fetch), else undefined. */
  checkUrls?: (command: string) => Promise<string | undefined>;
};

/** Never passed on, even when listed in `allowedEnvKeys`: the cluster's own broker credentials. */
const neverPassed = new Set(['REDIS_URL']);

/** The environment of a command: nothing of the agent's secrets (API keys, REDIS_URL, tokens). */
export function toCommandEnv(config: ExecConfig, env: Record<string, string | undefined>): Record<string, string> {
  const path = [config.pathPrepend, env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', config.pathAppend].filter((p) => p !== '').join(':');
  const out: Record<string, string> = { PATH: path, HOME: env['HOME'] ?? '/tmp', LANG: env['LANG'] ?? 'C.UTF-8', TERM: 'dumb' };
  for (const key of config.allowedEnvKeys) {
    const value = env[key];
    if (value !== undefined && !neverPassed.has(key)) out[key] = value;
  }
  return out;
}

/** nanobot's result text: output, `STDERR:` and the exit code, cut to 10,000 chars keeping both ends. */
export function formatCommandRun(run: CommandRun): string {
  const parts: string[] = [];
  if (run.stdout !== '') parts.push(run.stdout.replace(/\n$/, ''));
  if (run.stderr.trim() !== '') parts.push(`STDERR:\n${run.stderr.replace(/\n$/, '')}`);
  parts.push(`\nExit code: ${run.exitCode ?? 'none (killed)'}`);
  const text = parts.join('\n');
  if (text.length <= maxExecOutputChars) return text;
  const half = Math.floor(maxExecOutputChars / 2);
  return `${text.slice(0, half)}\n\n... (${text.length - maxExecOutputChars} chars truncated) ...\n\n${text.slice(-half)}`;
}

const boundaryNote =
  '\n\nThis is a policy boundary, not a passing failure: do not try to get around it (symlinks, encodings, other tools). If the user needs this, tell them it is blocked and ask how to go on.';

/**
 * nanobot's `exec`: a shell command in the workspace. Checked before it runs (deny/allow
 * patterns, paths through the file tools' guard, URLs of private addresses), run in its own
 * process group with a minimal environment, killed with everything it started on timeout, on
 * `/stop` and when the agent stops.
 */
export function createExecTool(options: ExecToolOptions): Tool {
  const { config, guard } = options;
  const policy = createCommandPolicy(config);
  const env = toCommandEnv(config, options.env);
  return defineTool({
    name: 'exec',
    description: `Execute a shell command (bash) in the workspace and return its output and exit code. Use -y/--yes flags to avoid prompts. Output is cut at ${maxExecOutputChars} chars; the timeout is ${config.timeout === 0 ? 'unlimited' : `${config.timeout} s`} unless timeout is given (max ${maxCallTimeoutS} s).`,
    schema: z.object({
      command: z.string().min(1).describe('The shell command to execute'),
      working_dir: z.string().optional().describe('Working directory, relative to the workspace (default: the workspace)'),
      timeout: z.number().int().min(1).max(maxCallTimeoutS).optional().describe('Timeout in seconds for long commands such as builds'),
    }),
    async execute({ command, working_dir: workingDir, timeout }, context) {
      if (options.shutdown?.aborted === true) return 'Error: the agent is shutting down; the command was not run';
      const refused = policy.check(command);
      if (refused !== undefined) return refused;
      await mkdir(guard.workspace, { recursive: true });
      const cwd = await guard.resolve(workingDir ?? '.', 'read');
      if (!(await stat(cwd).then((s) => s.isDirectory(), () => false))) return `Error: working_dir is not a directory: ${workingDir ?? '.'}`;
      const pathRefusal = await checkCommandPaths({ command, cwd, env, guard, restrictToWorkspace: options.restrictToWorkspace });
      if (pathRefusal !== undefined) return pathRefusal + boundaryNote;
      const urlRefusal = await options.checkUrls?.(command);
      if (urlRefusal !== undefined) return urlRefusal + boundaryNote;
      const timeoutS = timeout ?? config.timeout;
      const run = await runCommand({
        command,
        cwd,
        env,
        timeoutMs: timeoutS * 1000,
        signal: context.signal,
        ...(options.shutdown === undefined ? {} : { shutdown: options.shutdown }),
        groups: options.groups,
        keepChars: maxExecOutputChars,
      });
      const output = formatCommandRun(run);
      if (run.killed === 'timeout') return `Error: Command timed out after ${timeoutS} seconds; it was killed with every process it started.\n${output}`;
      if (run.killed === 'shutdown') return `Error: Command stopped because the agent is shutting down.\n${output}`;
      return output;
    },
  });
}
