import { childSchema, isPlainObject, isRecordSchema, objectKeys, type SchemaNode } from './schema-walk.js';

/** `api_key` → `apiKey`, `interval_s` → `intervalS`; camelCase keys pass through unchanged. */
export function toCamelCase(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_match, char: string) => char.toUpperCase());
}

export type NormalizedKeys = { value: unknown; warnings: string[] };

/**
 * Rewrites snake_case keys to the schema's camelCase, as nanobot (pydantic, camel aliases)
 * accepts both. Keys of user-named maps (provider names, MCP server names, headers, env) keep
 * their spelling; unknown keys keep theirs too, so warnings show what the user wrote.
 */
export function normalizeKeys(value: unknown, schema: SchemaNode): NormalizedKeys {
  const warnings: string[] = [];
  return { value: walk(value, schema, '', warnings), warnings };
}

function walk(value: unknown, schema: SchemaNode, path: string, warnings: string[]): unknown {
  if (Array.isArray(value)) {
    return value.map((item, index) => walk(item, childSchema(schema, '0'), `${path}[${index}]`, warnings));
  }
  if (!isPlainObject(value)) return value;
  if (isRecordSchema(schema)) {
    const entries = Object.entries(value).map(([key, item]) => {
      return [key, walk(item, childSchema(schema, key), joinPath(path, key), warnings)] as const;
    });
    return Object.fromEntries(entries);
  }
  const known = objectKeys(schema);
  if (known === undefined) return value;
  return walkObject(value, schema, known, { path, warnings });
}

function walkObject(
  value: Record<string, unknown>,
  schema: SchemaNode,
  known: readonly string[],
  context: { path: string; warnings: string[] },
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  // camelCase spellings first, so they win over a snake_case duplicate whatever the key order.
  const keys = Object.keys(value).sort((a, b) => Number(a.includes('_')) - Number(b.includes('_')));
  for (const key of keys) {
    const camel = toCamelCase(key);
    const target = known.includes(camel) ? camel : key;
    if (Object.hasOwn(result, target)) {
      context.warnings.push(`${joinPath(context.path, key)}: duplicate of ${target}, ignored`);
      continue;
    }
    const childPath = joinPath(context.path, target);
    result[target] = walk(value[key], childSchema(schema, target), childPath, context.warnings);
  }
  return result;
}

export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
