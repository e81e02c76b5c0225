const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline markdown of one escaped line: code, bold, italic, links (http/https/mailto only). */
function inline(line: string): string {
  return line
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\(((?:https?:|mailto:)[^)\s]+)\)/g, '<a href="$2">$1</a>');
}

/**
 * The HTML part of a reply. A markdown reply gets its code blocks, paragraphs, emphasis and
 * links; a plain one is escaped text with its line breaks. The plain part carries the text as is.
 */
export function toHtml(text: string, format: 'markdown' | 'plain'): string {
  if (format === 'plain') return `<div style="white-space: pre-wrap">${escapeHtml(text)}</div>`;
  const blocks = text.split(/(```[\s\S]*?```)/g);
  const html = blocks.map((block) => {
    if (block.startsWith('```') && block.endsWith('```') && block.length >= 6) {
      const body = block.slice(3, -3).replace(/^[^\n]*\n/, '');
      return `<pre><code>${escapeHtml(body)}</code></pre>`;
    }
    return block.split(/\n{2,}/).filter((p) => p.trim() !== '').map((p) => `<p>${p.trim().split('\n').map((l) => inline(escapeHtml(l))).join('<br>')}</p>`).join('');
  });
  return html.join('');
}
