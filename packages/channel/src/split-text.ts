/**
 * Splits a reply into chunks of at most `maxChars` UTF-16 units, each channel with its own
 * limit (Discord 2000, WhatsApp 4000, Slack 39 000). Line endings become `\n` and the text is
 * trimmed; a cut falls at the last paragraph break, else line break, else space in the
 * window's second half, else at the limit but never inside a surrogate pair. The separator
 * and the whitespace around a cut are dropped. An empty or blank text gives no chunks, or the
 * one `emptyText` when given (Discord refuses an empty message, so it says "(empty reply)").
 */
export function splitText(text: string, maxChars: number, options: { emptyText?: string } = {}): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 16) throw new RangeError(`maxChars must be an integer >= 16, got ${maxChars}`);
  const chunks: string[] = [];
  let rest = text.replace(/\r\n?/g, '\n').trim();
  while (rest.length > maxChars) {
    const cut = cutAt(rest, maxChars);
    const chunk = rest.slice(0, cut).trimEnd();
    if (chunk !== '') chunks.push(chunk);
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') chunks.push(rest);
  if (chunks.length === 0 && options.emptyText !== undefined) chunks.push(options.emptyText);
  return chunks;
}

function cutAt(text: string, maxChars: number): number {
  // One more than the limit: a separator right after the limit still makes a clean cut.
  const window = text.slice(0, maxChars + 1);
  const minimum = Math.floor(maxChars / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at >= minimum) return at + separator.length;
  }
  const code = text.charCodeAt(maxChars - 1);
  return code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
}
