import type { ConfigProblem } from './config-problems.js';
import { joinPath } from './normalize-keys.js';
import { isPlainObject } from './schema-walk.js';

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type ResolvedEnvRefs = { value: unknown; problems: ConfigProblem[] };

/**
 * Replaces `${VAR}` in every string value with `env.VAR`, as nanobot does, so secrets can stay
 * out of config.json. An unset variable is a problem naming the field and the variable (an empty
 * one counts as set). Keys are left alone.
 */
export function resolveEnvRefs(value: unknown, env: Record<string, string | undefined>): ResolvedEnvRefs {
  const problems: ConfigProblem[] = [];
  const resolve = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') return substitute(node, path, env, problems);
    if (Array.isArray(node)) return node.map((item, index) => resolve(item, `${path}[${index}]`));
    if (!isPlainObject(node)) return node;
    const entries = Object.entries(node).map(([key, item]) => [key, resolve(item, joinPath(path, key))] as const);
    return Object.fromEntries(entries);
  };
  return { value: resolve(value, ''), problems };
}

function substitute(
  text: string,
  path: string,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
): string {
  return text.replace(reference, (match, name: string) => {
    const found = env[name];
    if (found !== undefined) return found;
    problems.push({ path, message: `expected environment variable ${name} to be set, received nothing` });
    return match;
  });
}
