const tag = '(?:think|thinking|thought)';
const blocks = new RegExp(`<(${tag})>[\\s\\S]*?</\\1>`, 'gi');
const unclosed = new RegExp(`<${tag}>[\\s\\S]*$`, 'i');
/** Servers that put the opening tag in the prompt leave only the close: what precedes it is reasoning. */
const orphanClose = new RegExp(`^[\\s\\S]*</${tag}>`, 'i');
/** The start of a tag cut off by the end of a streamed chunk: `<th`, `<think`, `</thi`. */
const partialTagAtEnd = /<\/?t(?:h(?:i(?:n(?:k(?:i(?:n(?:g)?)?)?)?)?|o(?:u(?:g(?:h(?:t)?)?)?)?)?)?$/i;

/**
 * What the user sees of a model's answer: reasoning that local models (Qwen, DeepSeek-R1) write
 * inline as `<think>…</think>` is removed (also what precedes a closing tag without its opening one), as is a block not closed yet while the answer streams
 * and a tag cut in half at the end of a chunk. The session keeps the answer as the model gave it.
 */
export function stripReasoning(text: string): string {
  const visible = text.replace(blocks, '').replace(unclosed, '').replace(orphanClose, '');
  return visible.replace(partialTagAtEnd, '').trim();
}

/**
 * The text of the reply: the answer without its reasoning, or, when the model answered with
 * reasoning only, that reasoning without its tags, so the user gets words and not an empty reply.
 */
export function toVisibleAnswer(text: string): string {
  const visible = stripReasoning(text);
  if (visible !== '') return visible;
  return text.replace(new RegExp(`</?${tag}>`, 'gi'), '').trim();
}
