import { lstat, readlink, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { nanobotPaths } from '@nanobot/config';
import { AppError } from '@nanobot/core';

export type PathAccess = 'read' | 'write';

export type PathGuardOptions = {
  workspace: string;
  nanobotHome: string;
  /** The config file, when it is not `$NANOBOT_HOME/config.json`. */
  configPath?: string;
  /** `tools.restrictToWorkspace`: every path must resolve inside the workspace. */
  restrictToWorkspace: boolean;
  /**
   * pm2's folder (`PM2_HOME`, default `~/.pm2`): its `dump.pm2` and process list hold every app's
   * environment, which carries a user's `REDIS_URL` with its password. Always refused.
   */
  pm2Home?: string;
  /** Files outside `$NANOBOT_HOME` that hold secrets of ours (`redis.tls.key`): always refused. */
  secretFiles?: string[];
};

/**
 * The one check every tool and every file the model gets to see goes through (file tools,
 * `[image: …]` references, later exec and web tools).
 */
export type PathGuard = {
  readonly workspace: string;
  /**
   * A path argument (`~` expanded, relative to the workspace) → the real path to open, with
   * every symlink resolved, so what was checked is what gets opened. Throws AppError
   * TOOL_FAILED "access denied: <path> is protected" / "… is outside the workspace".
   */
  resolve(path: string, access: PathAccess): Promise<string>;
};

/** Entries of `$NANOBOT_HOME` that hold secrets wherever the workspace is (also if it is `$NANOBOT_HOME`). */
const secretEntries = /^(config\.json|redis|whatsapp-auth|whatsapp-bridge)/;
/**
 * Per-process files: another nanobot process's environment holds REDIS_URL and `${VAR}` keys.
 * A segment with a shell variable (`/proc/$PPID/…`, as an exec command may write it) counts too.
 */
const processEntries = /^\/proc\/(\d+|self|thread-self|[^/]*\$[^/]*)(\/|$)/;

const isInside = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;

export const accessDenied = (path: string, why: 'is protected' | 'is outside the workspace' | 'cannot be resolved') =>
  new AppError('TOOL_FAILED', `access denied: ${path} ${why}`, { details: { tool: 'path-guard' } });

/**
 * The real path of `path` even when its end does not exist yet (a file about to be written):
 * the deepest existing ancestor is resolved with `realpath` and the rest appended; a dangling
 * symlink is followed to where a write would create its target.
 */
export async function toRealPath(path: string, depth = 0): Promise<string> {
  // `depth` counts symlinks followed by hand (a loop of dangling links), as the kernel's limit.
  if (depth > 40) throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
  try {
    return await realpath(path);
  } catch (err) {
    if (codeOf(err) !== 'ENOENT' && codeOf(err) !== 'ENOTDIR') throw err;
  }
  const link = await lstat(path).catch(() => undefined);
  if (link?.isSymbolicLink() === true) return toRealPath(resolve(dirname(path), await readlink(path)), depth + 1);
  const parent = dirname(path);
  if (parent === path) return path;
  return join(await toRealPath(parent, depth), basename(path));
}

/** Both spellings of a folder: as configured and with its symlinks resolved. */
async function spellings(path: string): Promise<string[]> {
  const absolute = resolve(path);
  return [...new Set([absolute, await toRealPath(absolute)])];
}

type Roots = { home: string[]; work: string[]; media: string[]; config: string[]; pm2: string[]; secrets: string[] };

export function createPathGuard(options: PathGuardOptions): PathGuard {
  const workspace = resolve(options.workspace);
  const layout = nanobotPaths(resolve(options.nanobotHome));

  /** Resolved at each check: a folder may be created, or replaced by a symlink, while the agent runs. */
  async function roots(): Promise<Roots> {
    const [home, work, media, config, pm2, ...secrets] = await Promise.all([
      spellings(layout.home), spellings(workspace), spellings(layout.media), spellings(options.configPath ?? layout.config),
      spellings(options.pm2Home ?? join(homedir(), '.pm2')), ...(options.secretFiles ?? []).map(spellings),
    ]);
    return { home, work, media, config, pm2, secrets: secrets.flat() };
  }

  function isProtected(path: string, r: Roots): boolean {
    if (processEntries.test(path)) return true;
    if (r.config.some((c) => isInside(path, c))) return true;
    if (r.pm2.some((p) => isInside(path, p))) return true;
    if (r.secrets.includes(path)) return true;
    for (const home of r.home) {
      if (!isInside(path, home)) continue;
      if (secretEntries.test(relative(home, path))) return true;
      // Everything else in $NANOBOT_HOME (bridge state, locks, what a later version adds) is
      // the cluster's own, except the workspace when it lies inside and the received media.
      const open = [...r.work.filter((w) => isInside(w, home)), ...r.media];
      if (!open.some((root) => isInside(path, root))) return true;
    }
    return false;
  }

  return {
    workspace,
    async resolve(path, access) {
      const expanded = path === '~' || path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
      const lexical = resolve(workspace, expanded);
      let real: string;
      try {
        real = await toRealPath(lexical);
      } catch (err) {
        if (codeOf(err) === 'ELOOP' || codeOf(err) === 'EACCES') throw accessDenied(path, 'cannot be resolved');
        throw err;
      }
      const r = await roots();
      if (isProtected(lexical, r) || isProtected(real, r)) throw accessDenied(path, 'is protected');
      if (options.restrictToWorkspace) {
        // Judged on the real path: `..`, absolute paths and symlinks all end up there.
        // Received media may be read (a photo the user sent), not written.
        const allowed = access === 'read' ? [...r.work, ...r.media] : r.work;
        if (!allowed.some((root) => isInside(real, root))) throw accessDenied(path, 'is outside the workspace');
      }
      return real;
    },
  };
}
