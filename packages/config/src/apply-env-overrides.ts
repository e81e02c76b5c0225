import { toCamelCase } from './normalize-keys.js';
import {
  childSchema,
  isPlainObject,
  isRecordSchema,
  isStringSchema,
  objectKeys,
  type SchemaNode,
} from './schema-walk.js';

const prefix = 'NANOBOT_';

/**
 * Applies nanobot's env overrides, `NANOBOT_<SECTION>__<KEY>__...=value`, to the (camelCase) raw
 * config. Segments match schema keys ignoring case and underscores, so `MAX_TOKENS`, `maxTokens`
 * and `MAXTOKENS` all reach `maxTokens`. Values are JSON when they parse as JSON (numbers,
 * booleans, arrays), else the plain string; string fields always get the plain string so a
 * numeric key such as `12345` stays a string. Variables without `__` (NANOBOT_HOME) are not
 * overrides. Returns a new object; the input is not changed.
 */
export function applyEnvOverrides(
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
  schema: SchemaNode,
): Record<string, unknown> {
  const result = structuredClone(config);
  const names = Object.keys(env).filter((name) => name.toUpperCase().startsWith(prefix)).sort();
  for (const name of names) {
    const segments = name.slice(prefix.length).split('__');
    const value = env[name];
    if (segments.length < 2 || segments.some((segment) => segment === '') || value === undefined) continue;
    applyOne(result, segments, value, schema);
  }
  return result;
}

function applyOne(root: Record<string, unknown>, segments: string[], raw: string, schema: SchemaNode): void {
  let container = root;
  let node = schema;
  let parentKey = '';
  for (const [index, segment] of segments.entries()) {
    const key = matchKey(segment, container, node, parentKey);
    const child = childSchema(node, key);
    if (index === segments.length - 1) {
      container[key] = parseOverrideValue(raw, child);
      return;
    }
    const next = container[key];
    const nextContainer = isPlainObject(next) ? next : {};
    container[key] = nextContainer;
    container = nextContainer;
    node = child;
    parentKey = key;
  }
}

function matchKey(segment: string, container: Record<string, unknown>, schema: SchemaNode, parentKey: string): string {
  const squashed = squash(segment);
  const schemaKey = objectKeys(schema)?.find((key) => squash(key) === squashed);
  if (schemaKey !== undefined) return schemaKey;
  const lower = segment.toLowerCase();
  const existing = Object.keys(container).find((key) => key.toLowerCase() === lower);
  if (existing !== undefined) return existing;
  if (isRecordSchema(schema)) {
    // Env variable names are conventionally upper case; other map keys (provider and server
    // names, headers) are lower case, as pydantic-settings reads env names case-insensitively.
    return parentKey === 'env' ? segment : lower;
  }
  return segment === segment.toUpperCase() ? toCamelCase(lower) : segment;
}

function squash(key: string): string {
  return key.replaceAll('_', '').toLowerCase();
}

function parseOverrideValue(raw: string, schema: SchemaNode): unknown {
  if (isStringSchema(schema)) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // Not JSON: nanobot takes such a value as the plain string, and so do we.
    return raw;
  }
}
