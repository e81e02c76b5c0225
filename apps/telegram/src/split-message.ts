/**
 * Splits raw Markdown into chunks of at most `maxChars` UTF-16 code units, cutting at the last
 * paragraph break, else line break, else space, else anywhere (never inside a surrogate pair).
 * A fenced code block is never cut while it can move whole to the next chunk; one longer than a
 * chunk is closed at the cut and reopened, with its language, at the start of the next chunk.
 */
import { isFenceCloser, matchFenceOpener } from './markdown-to-html.js';

type CodeBlock = {
  start: number;
  bodyStart: number;
  /** Where the code ends: the newline before the closing fence, or the text's end if unclosed. */
  bodyEnd: number;
  /** Index of the newline after the closing fence, or the text's length. */
  end: number;
  reopen: string;
  close: string;
};
type Chunk = { chunk: string; next: number; reopen: string };

/** Below this a reopened fence plus its closer would leave almost no room for the code. */
export const MIN_CHUNK_CHARS = 64;

export function splitMessage(markdown: string, maxChars = 4000): string[] {
  if (!Number.isInteger(maxChars) || maxChars < MIN_CHUNK_CHARS) {
    throw new RangeError(`maxChars must be an integer >= ${MIN_CHUNK_CHARS}, got ${maxChars}`);
  }
  const text = markdown.replace(/\r\n?/g, '\n').trimEnd();
  const blocks = findCodeBlocks(text, maxChars);
  const chunks: string[] = [];
  let position = skipBlankLines(text, 0);
  let reopen = '';
  while (position < text.length) {
    const next = nextChunk({ text, blocks, maxChars }, position, reopen);
    if (next.chunk.trim() !== '') chunks.push(next.chunk);
    position = next.next;
    reopen = next.reopen;
  }
  return chunks;
}

function findCodeBlocks(text: string, maxChars: number): CodeBlock[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const opener = matchFenceOpener(lines[index] ?? '');
    if (opener === undefined) continue;
    let closer = index + 1;
    while (closer < lines.length && !isFenceCloser(lines[closer] ?? '', opener.marker)) closer += 1;
    const start = starts[index] ?? 0;
    const closed = closer < lines.length;
    const closerStart = starts[closer] ?? text.length;
    const end = closed ? closerStart + (lines[closer] ?? '').length : text.length;
    const reopen = `${opener.marker}${opener.lang}\n`;
    const close = `\n${opener.marker}`;
    // A fence so long that reopening it would not fit is left to be cut like text.
    const fits = Math.max(reopen.length, (lines[index] ?? '').length) + close.length + 16 <= maxChars;
    const bodyStart = starts[index + 1] ?? text.length;
    if (fits) blocks.push({ start, bodyStart, bodyEnd: closed ? closerStart - 1 : end, end, reopen, close });
    index = closer;
  }
  return blocks;
}

type Context = { text: string; blocks: readonly CodeBlock[]; maxChars: number };

function nextChunk(context: Context, position: number, reopen: string): Chunk {
  const { text, blocks, maxChars } = context;
  const limit = position + maxChars - reopen.length;
  if (text.length <= limit) return { chunk: reopen + text.slice(position), next: text.length, reopen: '' };
  const current = blocks.find((block) => block.start <= position && position < block.end);
  if (current !== undefined && current.end > limit) return cutInsideCode(context, current, position, reopen);
  const from = current?.end ?? position;
  const blocker = blocks.find((block) => block.start >= from && block.start < limit && block.end > limit);
  const cut = findBreak(context, position, from, blocker?.start ?? limit);
  return { chunk: reopen + text.slice(position, cut.end).trimEnd(), next: cut.next, reopen: '' };
}

function isInsideCode(blocks: readonly CodeBlock[], index: number): boolean {
  let low = 0;
  let high = blocks.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const block = blocks[middle];
    if (block === undefined) return false;
    if (index < block.start) high = middle - 1;
    else if (index >= block.end) low = middle + 1;
    else return true;
  }
  return false;
}

/** Where a chunk may end: from `from` (after any code block we are in) up to `to`. */
type Range = { position: number; from: number; to: number; firstContent: number };
type Cut = { end: number; next: number };

/** The best cut outside code; `end` ends the chunk, `next` starts the next one. */
function findBreak(context: Context, position: number, from: number, to: number): Cut {
  const range = { position, from, to, firstContent: skip(context.text, position, /\s*/y) };
  const hard = safeCut(context.text, position, to);
  return findLineBreak(context, range) ?? findSpace(context, range) ?? { end: hard, next: hard };
}

/** The last paragraph break, else the last line break, with content before it. */
function findLineBreak({ text, blocks }: Context, { from, to, firstContent }: Range): Cut | undefined {
  let lineBreak: number | undefined;
  let index = text.lastIndexOf('\n', to);
  for (; index >= from && index > firstContent; index = text.lastIndexOf('\n', index - 1)) {
    if (isInsideCode(blocks, index)) continue;
    if (skip(text, index + 1, BLANK_LINE) > index + 1) return { end: index, next: skipBlankLines(text, index) };
    lineBreak ??= index;
  }
  return lineBreak === undefined ? undefined : { end: lineBreak, next: skipBlankLines(text, lineBreak) };
}

function findSpace({ text, blocks }: Context, { from, to, firstContent }: Range): Cut | undefined {
  let lineStart = Number.POSITIVE_INFINITY;
  let fenceLine = false;
  for (let index = to; index >= from && index > firstContent; index -= 1) {
    const char = text[index];
    if ((char !== ' ' && char !== '\t') || isInsideCode(blocks, index)) continue;
    if (index < lineStart) {
      lineStart = text.lastIndexOf('\n', index) + 1;
      fenceLine = FENCE_RUN.test(text.slice(lineStart, lineStart + 8));
    }
    const next = skip(text, index, /[ \t]*/y);
    if (!fenceLine && !startsMarkup(text, next)) return { end: index, next: skipBlankLines(text, next) };
  }
  return undefined;
}

function cutInsideCode(context: Context, block: CodeBlock, position: number, reopen: string): Chunk {
  const { text, maxChars } = context;
  const limit = position + maxChars - reopen.length - block.close.length;
  const bodyFrom = Math.max(position, block.bodyStart);
  if (block.bodyEnd <= limit) {
    // Only an over-long closing fence line did not fit: end the block here.
    const chunk = reopen + text.slice(position, block.bodyEnd) + block.close;
    return { chunk, next: skipBlankLines(text, block.end), reopen: '' };
  }
  const lineBreak = text.lastIndexOf('\n', limit);
  const end = lineBreak > bodyFrom ? lineBreak : safeCut(text, bodyFrom, limit);
  const chunk = reopen + text.slice(position, end) + block.close;
  return { chunk, next: lineBreak > bodyFrom ? end + 1 : end, reopen: block.reopen };
}

// Cutting a line that starts with a fence run (but is no fence, or is too long) can make one.
const FENCE_RUN = /^ {0,3}(?:`{3}|~{3})/;

/** A cut inside a line must not make its rest look like a fence, header, quote or bullet. */
function startsMarkup(text: string, index: number): boolean {
  return /^(?:`{3}|~{3}|#{1,6}[ \t]|>|[-*+][ \t])/.test(text.slice(index, index + 7));
}

/** A hard cut at or before `to` that leaves a surrogate pair whole and always makes progress. */
function safeCut(text: string, position: number, to: number): number {
  let end = Math.max(to, position + 1);
  while (end > position + 1 && startsMarkup(text, end)) end -= 1;
  const isHigh = (index: number): boolean => /[\uD800-\uDBFF]/.test(text[index] ?? '');
  const isLow = (index: number): boolean => /[\uDC00-\uDFFF]/.test(text[index] ?? '');
  if (isLow(end) && isHigh(end - 1)) end = end - 1 > position ? end - 1 : end + 1;
  return end;
}

const BLANK_LINE = /[ \t]*(?:\n|$)/y;

/** Where a sticky `pattern` stops matching from `index` (itself when it does not match). */
function skip(text: string, index: number, pattern: RegExp): number {
  pattern.lastIndex = index;
  return pattern.test(text) ? pattern.lastIndex : index;
}

/** Skips the rest of the current line when it is blank, then any further blank lines. */
function skipBlankLines(text: string, index: number): number {
  let position = index;
  for (let next = skip(text, position, BLANK_LINE); next > position; next = skip(text, position, BLANK_LINE)) {
    position = next;
  }
  return position;
}
