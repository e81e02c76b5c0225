import { joinPath } from './normalize-keys.js';
import { childSchema, isPlainObject, isRecordSchema, objectKeys, type SchemaNode } from './schema-walk.js';

/**
 * Dotted paths of keys the schema does not know. They are accepted (a file written by a newer
 * nanobot must still load) and dropped by validation; the caller reports them as warnings.
 * Only the outermost unknown key of a subtree is listed.
 */
export function findUnknownKeys(value: unknown, schema: SchemaNode, path = ''): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findUnknownKeys(item, childSchema(schema, '0'), `${path}[${index}]`));
  }
  if (!isPlainObject(value)) return [];
  const known = objectKeys(schema);
  if (known === undefined && !isRecordSchema(schema)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const childPath = joinPath(path, key);
    if (known !== undefined && !known.includes(key)) return [childPath];
    return findUnknownKeys(item, childSchema(schema, key), childPath);
  });
}
