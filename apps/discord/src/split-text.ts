/** Discord's limit on a message's content. */
export const discordMaxChars = 2000;

/**
 * Splits a reply into messages of at most `max` characters (code points never cut in half),
 * at the last paragraph break, line break or space of each piece when there is one.
 */
export function splitText(text: string, max = discordMaxChars): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    // The first of paragraph break, line break, space found in the piece's second half.
    let cut = [rest.lastIndexOf('\n\n', max), rest.lastIndexOf('\n', max), rest.lastIndexOf(' ', max)].find((at) => at >= max / 2) ?? max;
    // Never split a surrogate pair.
    const code = rest.charCodeAt(cut - 1);
    if (cut === max && code >= 0xd800 && code <= 0xdbff) cut -= 1;
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest.length > 0 ? rest : '(empty reply)');
  return chunks;
}
