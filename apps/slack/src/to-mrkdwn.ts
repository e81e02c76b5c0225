/**
 * Markdown (what the model writes) → Slack mrkdwn (https://api.slack.com/reference/surfaces/formatting):
 * `**b**` → `*b*`, `*i*`/`_i_` → `_i_`, `~~s~~` → `~s~`, `[t](u)` → `<u|t>`, headings → bold lines,
 * tables → one line per row; code spans and fences are kept as they are; `&`, `<`, `>` escaped
 * outside code, as Slack asks.
 */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function convertTable(block: string): string {
  const lines = block.trim().split('\n').map((l) => l.trim());
  const cells = (line: string) => line.replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const headers = cells(lines[0] ?? '');
  const rows = lines.slice(/^[|\s:-]+$/.test(lines[1] ?? '') ? 2 : 1);
  return rows
    .map((row) => cells(row).map((cell, i) => (cell === '' ? '' : `**${headers[i] ?? ''}**: ${cell}`)).filter((s) => s !== '').join(' · '))
    .join('\n');
}

function convertInline(text: string): string {
  const links: string[] = [];
  let out = text.replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, (_m, label: string, url: string) => {
    links.push(`<${url}|${escape(label)}>`);
    return `\u0000L${links.length - 1}\u0000`;
  });
  out = escape(out);
  out = out.replace(/^#{1,6}\s+(.+)$/gm, '**$1**');
  out = out.replace(/^(\s*)[-*+]\s+/gm, '$1• ');
  out = out.replace(/~~(.+?)~~/g, '~$1~');
  out = out.replace(/(^|[^*])\*(?!\s)([^*\n]+?)\*(?!\*)/g, '$1_$2_');
  out = out.replace(/\*\*(.+?)\*\*/g, '*$1*').replace(/__(.+?)__/g, '*$1*');
  return out.replace(/\u0000L(\d+)\u0000/g, (_m, i: string) => links[Number(i)] ?? '');
}

export function toMrkdwn(markdown: string): string {
  const parts = markdown.split(/(```[\s\S]*?```|`[^`\n]+`)/g);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) return part.startsWith('```') ? part.replace(/^```[\w+-]*\n/, '```\n') : part;
      const tabled = part.replace(/(?:^\|.*\|[ \t]*$\n?){2,}/gm, (block) => `${convertTable(block)}\n`);
      return convertInline(tabled);
    })
    .join('');
}
