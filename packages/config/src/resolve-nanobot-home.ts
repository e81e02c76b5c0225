import { join } from 'node:path';

/** Expands a leading `~` (alone or followed by a slash) to `homeDir`; `~user` is left as is. */
export function expandHome(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(homeDir, path.slice(2));
  return path;
}

/** `$NANOBOT_HOME`, or `<homeDir>/.nanobot` as nanobot uses when it is unset or empty. */
export function resolveNanobotHome(env: Record<string, string | undefined>, homeDir: string): string {
  const fromEnv = env['NANOBOT_HOME'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return expandHome(fromEnv.trim(), homeDir);
  return join(homeDir, '.nanobot');
}
