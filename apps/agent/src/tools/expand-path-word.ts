import { readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/** What a word becomes before the shell opens it: variables, `~`, braces and globs expanded. */

/** More alternatives or matches than this and the word is refused as too broad to check. */
export const maxExpansions = 1_000;

export class TooBroadError extends Error {}

/** `$VAR` and `${VAR}` from the command's environment; `undefined` when one is unknown. */
export function expandVariables(text: string, env: Record<string, string | undefined>): string | undefined {
  let unknown = false;
  const expanded = text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const value = env[braced ?? bare ?? ''];
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  if (unknown || /\$[{(A-Za-z_0-9]/.test(expanded)) return undefined;
  return expanded;
}

/** `~` and `~/…` as the command's HOME; `~user` cannot be known here (`undefined`). */
export function expandTilde(text: string, home: string): string | undefined {
  if (text === '~' || text.startsWith('~/')) return home + text.slice(1);
  if (text.startsWith('~')) return undefined;
  return text;
}

/** `a{b,c}d` → `abd`, `acd` (nested too); `{1..3}` sequences are left as written. */
export function expandBraces(text: string): string[] {
  const open = text.indexOf('{');
  if (open === -1) return [text];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === ',' && depth === 1) commas.push(i);
    else if (text[i] === '}' && (depth -= 1) === 0) {
      const head = text.slice(0, open);
      const tail = expandBraces(text.slice(i + 1));
      if (commas.length === 0) return tail.map((t) => `${head}${text.slice(open, i + 1)}${t}`);
      const bounds = [open, ...commas, i];
      const options = bounds.slice(1).flatMap((end, k) => expandBraces(text.slice((bounds[k] ?? open) + 1, end)));
      const out = options.flatMap((o) => tail.map((t) => `${head}${o}${t}`));
      if (out.length > maxExpansions) throw new TooBroadError(text);
      return out;
    }
  }
  return [text];
}

const hasGlob = (segment: string) => /[*?[]/.test(segment);

/** One path segment's glob as a regular expression (bash: `*` and `?` do not match a leading dot). */
function globToRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i += 1) {
    const ch = segment[i] ?? '';
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) source += '\\[';
      else {
        const body = segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${segment.startsWith('.') ? '' : '(?!\\.)'}${source}$`);
}

/**
 * The paths an absolute glob matches, as the shell would expand it; none when it matches
 * nothing (the shell then passes the word as it is). Throws TooBroadError past the limit.
 */
export async function expandGlob(path: string): Promise<string[]> {
  if (!isAbsolute(path) || !hasGlob(path)) return [path];
  let bases = ['/'];
  for (const segment of path.split('/').filter((s) => s !== '')) {
    if (!hasGlob(segment)) {
      bases = bases.map((b) => join(b, segment));
      continue;
    }
    const pattern = globToRegExp(segment);
    const next: string[] = [];
    for (const base of bases) {
      const names = await readdir(base).catch(() => [] as string[]);
      for (const name of names) if (pattern.test(name)) next.push(join(base, name));
      if (next.length > maxExpansions) throw new TooBroadError(path);
    }
    bases = next;
  }
  return bases;
}
