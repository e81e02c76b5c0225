import { createHash } from 'node:crypto';

/** What model APIs accept in a tool name (OpenAI, Anthropic): letters, digits, `_`, `-`, at most 64. */
const maxToolNameLength = 64;

/**
 * nanobot's name for an MCP tool: `mcp_<server>_<tool>`, every other character turned into `_`
 * (runs collapsed), and a name over 64 characters cut with 8 hex digits of its SHA-1 kept at the
 * end, so two long names stay apart.
 */
export function toMcpToolName(server: string, tool: string): string {
  const name = `mcp_${server}_${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_').replace(/_+/g, '_');
  if (name.length <= maxToolNameLength) return name;
  const digest = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxToolNameLength - digest.length - 1)}_${digest}`;
}

/**
 * nanobot's `enabledTools`: absent or holding `"*"`, every tool; otherwise only the tools named,
 * by the server's name for them or by the `mcp_<server>_<tool>` name (`[]`: none). `unmatched`
 * lists the entries that named no tool of the server, for a warning.
 */
export function selectTools<T extends { name: string }>(server: string, tools: T[], enabledTools: string[] | undefined): { selected: T[]; unmatched: string[] } {
  if (enabledTools === undefined || enabledTools.includes('*')) return { selected: tools, unmatched: [] };
  const wanted = new Set(enabledTools);
  const matched = new Set<string>();
  const selected = tools.filter((tool) => {
    const wrapped = toMcpToolName(server, tool.name);
    const hits = [tool.name, wrapped].filter((name) => wanted.has(name));
    for (const hit of hits) matched.add(hit);
    return hits.length > 0;
  });
  return { selected, unmatched: enabledTools.filter((name) => !matched.has(name)) };
}
