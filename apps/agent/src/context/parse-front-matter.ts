/**
 * The YAML front matter of a SKILL.md, in the subset skills use: `key: value`
 * lines whose value is a plain or quoted string, a boolean, a number, or inline
 * JSON (nanobot writes `metadata: {"nanobot": {"requires": {...}}}`), and
 * indented `- item` lists under a key.
 */
export function parseFrontMatter(text: string): { data: Record<string, unknown>; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (match === null) return { data: {}, body: text };
  const data: Record<string, unknown> = {};
  let listKey: string | undefined;
  for (const line of (match[1] ?? '').split(/\r?\n/)) {
    const item = /^\s+-\s+(.*)$/.exec(line);
    if (item !== null && listKey !== undefined) {
      (data[listKey] as unknown[]).push(toValue(item[1] ?? ''));
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (pair === null) continue;
    const [, key = '', raw = ''] = pair;
    listKey = raw === '' ? key : undefined;
    data[key] = raw === '' ? [] : toValue(raw);
  }
  return { data, body: text.slice(match[0].length) };
}

function toValue(raw: string): unknown {
  const value = raw.trim();
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^["'].*["']$/.test(value)) return value.slice(1, -1);
  if (value.startsWith('{') || value.startsWith('[')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      // Not JSON after all (YAML flow style we do not parse): keep the text.
      return value;
    }
  }
  return value;
}
