import { lstat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isAppError } from '@nanobot/core';
import { expandBraces, expandGlob, expandTilde, expandVariables, TooBroadError } from './expand-path-word.js';
import type { PathGuard } from './protected-paths.js';
import { allShellWords, type ShellWord } from './shell-words.js';

export type CommandPathCheck = {
  command: string;
  /** Where the command runs (a real path inside what the guard allows). */
  cwd: string;
  /** The command's environment, for `$VAR` in its words. */
  env: Record<string, string | undefined>;
  guard: PathGuard;
  restrictToWorkspace: boolean;
};

/** Kernel devices a command may name whatever the restriction (redirections to and from them). */
const benignDevices = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/tty']);
const isBenignDevice = (path: string) => benignDevices.has(path) || path.startsWith('/dev/fd/');
const isUrl = (text: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
/** Words that are clearly meant as paths; any other word is checked only if it names an existing entry. */
const looksLikePath = (text: string) => text.includes('/') || text.startsWith('~') || text === '.' || text === '..';
const maxCandidates = 2_000;

/** The strings of one word the shell may open as paths. */
function candidatesOf(word: string): string[] {
  if (word === '' || word.length > 4_096) return [];
  if (word.toLowerCase().startsWith('file://')) return [decodeURIComponent(word.slice(7).replace(/^[^/]*/, ''))];
  if (isUrl(word)) return [];
  const out = [word];
  const assignment = /^(?:--?[A-Za-z0-9_.-]+|[A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word);
  if (assignment !== null) out.push(...(assignment[1] ?? '').split(':'));
  else if (word.startsWith('-') && word.includes('/')) out.push(word.slice(word.indexOf('/')));
  return out.filter((c) => c !== '');
}

/** Directories the command moves to (`cd X`, `pushd X`): its relative paths are judged from each of them too. */
function cdTargets(words: ShellWord[]): string[] {
  const targets: string[] = [];
  words.forEach((w, i) => {
    if (w.text !== 'cd' && w.text !== 'pushd') return;
    const next = words.slice(i + 1).find((n) => !n.text.startsWith('-'));
    if (next !== undefined) targets.push(next.text);
  });
  return targets;
}

type Expanded = { paths: string[]; unknown: boolean };

async function expand(text: string, bases: string[], env: Record<string, string | undefined>): Promise<Expanded> {
  const variables = expandVariables(text, env);
  const tilde = variables === undefined ? undefined : expandTilde(variables, env['HOME'] ?? '/');
  if (tilde === undefined) return { paths: [], unknown: true };
  const paths: string[] = [];
  for (const alternative of expandBraces(tilde)) {
    const absolute = isAbsolute(alternative) ? [alternative] : bases.map((base) => resolve(base, alternative));
    for (const path of absolute) {
      const matches = await expandGlob(resolve(path));
      paths.push(...(matches.length === 0 ? [resolve(path)] : matches));
    }
  }
  return { paths, unknown: false };
}

const exists = (path: string) => lstat(path).then(() => true, () => false);

/**
 * Refuses a command that names a path the file tools would refuse: one of the cluster's
 * secrets (always), or with `restrictToWorkspace` anything outside the workspace (`..`,
 * absolute paths, symlinks pointing out). Words are taken as the shell would see them after
 * `$VAR` (from the command's own environment), `~`, `{a,b}` and globs, from every directory
 * the command `cd`s to, inside quoted scripts too. A best effort, not a sandbox: what a
 * command computes while it runs (`$(…)` output, a script it writes and runs) is not seen.
 * Returns the refusal, or undefined.
 */
export async function checkCommandPaths(check: CommandPathCheck): Promise<string | undefined> {
  const { guard, restrictToWorkspace } = check;
  const env = { ...check.env, PWD: check.cwd };
  const words = allShellWords(check.command);
  const seen = new Set<string>();
  const bases = [check.cwd];
  for (const target of cdTargets(words)) {
    const dirs = await expand(target, [check.cwd], env).catch(() => ({ paths: [], unknown: true }));
    bases.push(...dirs.paths);
  }
  try {
    for (const word of words) {
      for (const text of candidatesOf(word.text)) {
        if (seen.has(text)) continue;
        seen.add(text);
        if (seen.size > maxCandidates) return 'Error: Command blocked by safety guard (too long to check)';
        const { paths, unknown } = await expand(text, bases, env);
        if (unknown && restrictToWorkspace && looksLikePath(text)) {
          return `Error: Command blocked by safety guard (cannot check the path ${text} before it runs)`;
        }
        // Still judged as written: `/proc/$PPID/environ` is refused for its form alone.
        if (unknown && isAbsolute(text)) await guard.resolve(text, 'read');
        for (const path of paths) {
          if (isBenignDevice(path)) continue;
          if (!looksLikePath(text) && !(await exists(path))) continue;
          await guard.resolve(path, 'read');
        }
      }
    }
  } catch (err) {
    if (err instanceof TooBroadError) return `Error: Command blocked by safety guard (${err.message} matches too many paths to check)`;
    if (isAppError(err, 'TOOL_FAILED')) return `Error: Command blocked by safety guard (${err.message})`;
    throw err;
  }
  return undefined;
}
