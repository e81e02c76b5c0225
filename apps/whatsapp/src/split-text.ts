/**
 * Splits plain text into chunks of at most `maxChars` UTF-16 units, cutting at the last
 * paragraph break, else line break, else space, else anywhere but inside a surrogate pair.
 * WhatsApp accepts long texts, but a wall of text reads badly; nanobot splits replies too.
 */
export function splitText(text: string, maxChars = 4000): string[] {
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
  return chunks;
}

function cutAt(text: string, maxChars: number): number {
  const window = text.slice(0, maxChars + 1);
  const minimum = Math.floor(maxChars / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at >= minimum) return at + separator.length;
  }
  const code = text.charCodeAt(maxChars - 1);
  return code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
}
