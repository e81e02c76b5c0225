import { z } from 'zod';

/**
 * Just enough introspection of the config schema to walk raw JSON beside it: which keys an
 * object knows, which maps are user-named (records), and which leaves are strings.
 */

export type SchemaNode = z.core.$ZodType | undefined;

/** Strips default/prefault/optional/nullable/pipe wrappers down to the structural schema. */
export function unwrapSchema(schema: SchemaNode): SchemaNode {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

/** The known keys of an object schema, or undefined when the node is not an object. */
export function objectKeys(schema: SchemaNode): readonly string[] | undefined {
  const node = unwrapSchema(schema);
  if (node instanceof z.ZodObject) return Object.keys(node.shape);
  const shapes = unionObjects(node);
  return shapes.length === 0 ? undefined : [...new Set(shapes.flatMap((shape) => Object.keys(shape.shape)))];
}

/** The object options of a union (a fallback is a name or an inline object). */
function unionObjects(node: SchemaNode): z.ZodObject[] {
  if (!(node instanceof z.ZodUnion)) return [];
  return (node.options as SchemaNode[]).map(unwrapSchema).filter((option): option is z.ZodObject => option instanceof z.ZodObject);
}

/** True for maps whose keys the user names (providers, mcpServers, env, headers). */
export function isRecordSchema(schema: SchemaNode): boolean {
  return unwrapSchema(schema) instanceof z.ZodRecord;
}

/** The schema of `key` inside `schema`; undefined when unknown. */
export function childSchema(schema: SchemaNode, key: string): SchemaNode {
  const node = unwrapSchema(schema);
  if (node instanceof z.ZodObject) {
    return Object.hasOwn(node.shape, key) ? (node.shape[key] as SchemaNode) : undefined;
  }
  if (node instanceof z.ZodRecord) return node.valueType as SchemaNode;
  if (node instanceof z.ZodArray) return node.element as SchemaNode;
  const option = unionObjects(node).find((shape) => Object.hasOwn(shape.shape, key));
  return option === undefined ? undefined : (option.shape[key] as SchemaNode);
}

/** True when the leaf expects a string (plain or formatted, such as a URL). */
export function isStringSchema(schema: SchemaNode): boolean {
  return unwrapSchema(schema) instanceof z.ZodString || unwrapSchema(schema) instanceof z.ZodStringFormat;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
