/**
 * Markdown as an LLM writes it → the HTML subset of the Bot API
 * (https://core.telegram.org/bots/api#html-style). Blocks (fences, tables, quotes, headers,
 * bullets) are decided line by line; inline markup is parsed over ranges of one line and every
 * tag is opened and closed by the same call, so any input gives balanced, escaped markup.
 * Unmatched markers stay literal text. Nothing inside code is interpreted.
 */
type Tag = 'b' | 'i' | 's' | 'a' | 'code';
type Atom =
  | { kind: 'text'; end: number; text: string }
  | { kind: 'code'; end: number; code: string }
  | { kind: 'link'; end: number; href: string; from: number; to: number };
/** `unclosed` remembers, per marker and range end, from where no closer exists (keeps it linear). */
type Source = { text: string; atoms: Map<number, Atom>; unclosed: Map<string, number> };
type Emphasis = { tags: readonly Tag[]; from: number; to: number; end: number };
export type FenceOpener = { marker: string; lang: string };

const NO_TAGS: ReadonlySet<Tag> = new Set();
const HEADER_TAGS: ReadonlySet<Tag> = new Set(['b']);
const EMPHASIS: Readonly<Record<string, Readonly<Record<number, readonly Tag[]>>>> = {
  '*': { 1: ['i'], 2: ['b'], 3: ['b', 'i'] },
  _: { 1: ['i'], 2: ['b'], 3: ['b', 'i'] },
  '~': { 2: ['s'] },
};
// Telegram only follows these; a javascript: or relative link stays literal text.
const ALLOWED_HREF = /^(?:https?:\/\/|tg:|mailto:)\S+$/i;
const ASCII_PUNCT = /^[!-/:-@[-`{-~]$/;
const BARE_URL = /https?:\/\/[^\s<>"'`]+/y;
const AUTOLINK = /<((?:https?:\/\/|mailto:)[^\s<>]+)>/y;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const MAX_LINK_SCAN = 2000;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

/** The fence grammar shared with splitMessage, so both agree on what is code. */
export function matchFenceOpener(line: string): FenceOpener | undefined {
  const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
  const marker = match?.[1];
  const info = (match?.[2] ?? '').trim();
  if (marker === undefined || (marker.startsWith('`') && info.includes('`'))) return undefined;
  return { marker, lang: /^[\w+#.-]{1,32}/.exec(info)?.[0] ?? '' };
}

export function isFenceCloser(line: string, marker: string): boolean {
  const fence = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
  return fence !== undefined && fence[0] === marker[0] && fence.length >= marker.length;
}

export function toTelegramHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const block = renderFence(lines, index) ?? renderTable(lines, index) ?? renderQuote(lines, index);
    out.push(block?.html ?? renderLine(lines[index] ?? ''));
    index = block?.next ?? index + 1;
  }
  return out.join('\n');
}

type Block = { html: string; next: number };

function renderFence(lines: readonly string[], start: number): Block | undefined {
  const opener = matchFenceOpener(lines[start] ?? '');
  if (opener === undefined) return undefined;
  let end = start + 1;
  while (end < lines.length && !isFenceCloser(lines[end] ?? '', opener.marker)) end += 1;
  // Like CommonMark, an indented fence takes its indentation off the code lines.
  const indent = new RegExp(`^ {0,${/^ */.exec(lines[start] ?? '')?.[0].length ?? 0}}`);
  const body = lines.slice(start + 1, end).map((line) => line.replace(indent, '')).join('\n');
  const cls = opener.lang === '' ? '' : ` class="language-${escapeAttribute(opener.lang)}"`;
  const html = body === '' ? '' : `<pre><code${cls}>${escapeHtml(body)}</code></pre>`;
  return { html, next: Math.min(end + 1, lines.length) };
}

const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

function splitCells(line: string): string[] {
  const cells = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
  return cells.map((cell) =>
    cell.trim().replace(/\\\|/g, '|').replace(/\[([^\]]*)\]\([^)\s]*\)/g, '$1').replace(/\*\*|__|~~|`/g, ''),
  );
}

// East Asian wide characters and most emoji take two columns in a monospace font.
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\u{1f300}-\u{1faff}]/u;

function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

/** Telegram has no tables: render aligned monospace columns instead. */
function renderTable(lines: readonly string[], start: number): Block | undefined {
  const header = lines[start] ?? '';
  const separator = lines[start + 1] ?? '';
  if (!header.includes('|') || !separator.includes('|') || !TABLE_SEPARATOR.test(separator)) return undefined;
  let end = start + 2;
  while (end < lines.length && (lines[end] ?? '').includes('|') && (lines[end] ?? '').trim() !== '') end += 1;
  const rows = [header, ...lines.slice(start + 2, end)].map(splitCells);
  const widths: number[] = [];
  for (const row of rows) {
    for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, displayWidth(cell));
  }
  const format = (row: readonly string[]): string =>
    widths.map((width, column) => {
      const cell = row[column] ?? '';
      return cell + ' '.repeat(width - displayWidth(cell));
    }).join(' | ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  const text = [format(rows[0] ?? []), rule, ...rows.slice(1).map(format)].join('\n');
  return { html: `<pre>${escapeHtml(text)}</pre>`, next: end };
}

/** Consecutive `>` lines become one blockquote; Telegram does not nest blockquotes. */
function renderQuote(lines: readonly string[], start: number): Block | undefined {
  let end = start;
  while (end < lines.length && /^ {0,3}>/.test(lines[end] ?? '')) end += 1;
  const inner = lines.slice(start, end).map((line) => line.replace(/^ {0,3}(?:> ?)+/, ''));
  if (inner.every((line) => line.trim() === '')) return undefined;
  return { html: `<blockquote>${inner.map(renderLine).join('\n')}</blockquote>`, next: end };
}

/** The text of an ATX header line (`## Title ##` → `Title`), or undefined. */
function headerText(line: string): string | undefined {
  const text = /^ {0,3}#{1,6}[ \t]+(.*)$/.exec(line)?.[1]?.trimEnd();
  if (text === undefined) return undefined;
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end -= 1;
  return end === 0 || text[end - 1] === ' ' || text[end - 1] === '\t' ? text.slice(0, end).trimEnd() : text;
}

function renderLine(line: string): string {
  const header = headerText(line);
  if (header) return `<b>${renderInline(header, HEADER_TAGS)}</b>`;
  if (/^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/.test(line)) return escapeHtml(line);
  const bullet = /^([ \t]*)[-*+][ \t]+(.*)$/.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${renderInline(bullet[2] ?? '')}`;
  return renderInline(line);
}

function renderInline(text: string, disabled: ReadonlySet<Tag> = NO_TAGS): string {
  const atoms = new Map<number, Atom>();
  scanAtoms(text, 0, text.length, atoms);
  return renderRange({ text, atoms, unclosed: new Map() }, 0, text.length, disabled);
}

function isSpace(char: string | undefined): boolean {
  return char === undefined || /\s/.test(char);
}

/** Letters and digits, but not CJK: Chinese text puts `**` right next to its characters. */
function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}]/u.test(char) && !CJK.test(char);
}

function runLength(text: string, start: number, to: number): number {
  let end = start;
  while (end < to && text[end] === text[start]) end += 1;
  return end - start;
}

/** Code spans, links, escapes and bare URLs: parsed first, opaque to emphasis. */
function scanAtoms(text: string, from: number, to: number, atoms: Map<number, Atom>): void {
  const failedRuns = new Set<number>();
  let index = from;
  while (index < to) {
    const atom = matchAtom(text, index, to, failedRuns);
    if (atom === undefined) {
      index += 1;
      continue;
    }
    atoms.set(index, atom);
    if (atom.kind === 'link') scanAtoms(text, atom.from, atom.to, atoms);
    index = atom.end;
  }
}

function matchAtom(text: string, at: number, to: number, failedRuns: Set<number>): Atom | undefined {
  const char = text[at];
  const next = at + 1 < to ? text[at + 1] : undefined;
  if (char === '\\' && next !== undefined && ASCII_PUNCT.test(next)) return { kind: 'text', end: at + 2, text: next };
  if (char === '`') return matchCodeSpan(text, at, to, failedRuns);
  if (char === '[') return matchLink(text, at, to);
  if (char === 'h' && !isWordChar(text[at - 1])) return matchBareUrl(text, at, to);
  if (char === '<') return matchAutolink(text, at, to);
  return undefined;
}

function matchCodeSpan(text: string, at: number, to: number, failedRuns: Set<number>): Atom {
  const length = runLength(text, at, to);
  const literal: Atom = { kind: 'text', end: at + length, text: text.slice(at, at + length) };
  if (failedRuns.has(length)) return literal;
  let index = at + length;
  while (index < to) {
    const run = text[index] === '`' ? runLength(text, index, to) : 0;
    if (run === length) {
      const code = text.slice(at + length, index);
      const trimmed = /^ .*[^ ].* $/.test(code) ? code.slice(1, -1) : code;
      return { kind: 'code', end: index + length, code: trimmed };
    }
    index += Math.max(run, 1);
  }
  failedRuns.add(length);
  return literal;
}

function matchLink(text: string, at: number, to: number): Atom | undefined {
  const limit = Math.min(to, at + MAX_LINK_SCAN);
  let depth = 0;
  let close = at;
  for (; close < limit; close += 1) {
    const char = text[close];
    if (char === '\\') close += 1;
    else if (char === '[') depth += 1;
    else if (char === ']' && --depth === 0) break;
  }
  if (close >= limit || close === at + 1 || text[close + 1] !== '(') return undefined;
  let end = close + 2;
  for (depth = 1; end < limit; end += 1) {
    if (text[end] === '(') depth += 1;
    else if (text[end] === ')' && --depth === 0) break;
  }
  const href = text.slice(close + 2, end).trim().split(/\s+/)[0]?.replace(/^<(.*)>$/, '$1') ?? '';
  if (end >= limit || !ALLOWED_HREF.test(href)) return undefined;
  return { kind: 'link', end: end + 1, href, from: at + 1, to: close };
}

/** Kept verbatim (Telegram links it itself) so `_` and `*` in URLs are not emphasis. */
function matchBareUrl(text: string, at: number, to: number): Atom | undefined {
  BARE_URL.lastIndex = at;
  let url = BARE_URL.exec(text)?.[0].slice(0, to - at) ?? '';
  const unbalanced = (): boolean => url.split(')').length > url.split('(').length;
  while (/[.,;:!?*_~'"\]]$/.test(url) || (url.endsWith(')') && unbalanced())) url = url.slice(0, -1);
  return /^https?:\/\/./.test(url) ? { kind: 'text', end: at + url.length, text: url } : undefined;
}

/** `<https://…>`: shown as the bare URL, which Telegram links itself. */
function matchAutolink(text: string, at: number, to: number): Atom | undefined {
  AUTOLINK.lastIndex = at;
  const match = AUTOLINK.exec(text);
  const url = match?.[1];
  if (match === null || url === undefined || at + match[0].length > to) return undefined;
  return { kind: 'text', end: at + match[0].length, text: url };
}

function renderRange(source: Source, from: number, to: number, disabled: ReadonlySet<Tag>): string {
  const { text } = source;
  let out = '';
  let literal = from;
  let index = from;
  while (index < to) {
    const atom = source.atoms.get(index);
    const span = atom !== undefined && atom.end <= to ? atom : matchEmphasis(source, index, to);
    if (span === undefined) {
      const char = text[index];
      index += char === '*' || char === '_' || char === '~' ? runLength(text, index, to) : 1;
      continue;
    }
    out += escapeHtml(text.slice(literal, index));
    out += 'tags' in span ? renderEmphasis(source, span, disabled) : renderAtom(source, span, disabled);
    index = literal = span.end;
  }
  return out + escapeHtml(text.slice(literal, to));
}

function matchEmphasis(source: Source, at: number, to: number): Emphasis | undefined {
  const { text } = source;
  const char = text[at] ?? '';
  const run = char in EMPHASIS ? runLength(text, at, to) : 0;
  const tags = EMPHASIS[char]?.[run];
  // Single `*` and any `_` must sit on word boundaries: 2*3*4 and snake_case_names stay text.
  const bounded = char === '_' || (char === '*' && run === 1);
  if (tags === undefined || at + run >= to || isSpace(text[at + run])) return undefined;
  const key = `${char}${run}:${to}`;
  if (bounded && isWordChar(text[at - 1])) return undefined;
  if (at >= (source.unclosed.get(key) ?? to)) return undefined;
  let index = at + run;
  while (index < to) {
    const atom = source.atoms.get(index);
    if (atom !== undefined && atom.end <= to) {
      index = atom.end;
      continue;
    }
    const length = text[index] === char ? runLength(text, index, to) : 0;
    const after = index + length < to ? text[index + length] : undefined;
    if (length === run && index > at + run && !isSpace(text[index - 1]) && !(bounded && isWordChar(after))) {
      return { tags, from: at + run, to: index, end: index + length };
    }
    index += Math.max(length, 1);
  }
  source.unclosed.set(key, at);
  return undefined;
}

function renderEmphasis(source: Source, emphasis: Emphasis, disabled: ReadonlySet<Tag>): string {
  const active = emphasis.tags.filter((tag) => !disabled.has(tag));
  const inner = renderRange(source, emphasis.from, emphasis.to, new Set([...disabled, ...emphasis.tags]));
  const open = active.map((tag) => `<${tag}>`).join('');
  const close = [...active].reverse().map((tag) => `</${tag}>`).join('');
  return open + inner + close;
}

function renderAtom(source: Source, atom: Atom, disabled: ReadonlySet<Tag>): string {
  switch (atom.kind) {
    case 'text':
      return escapeHtml(atom.text);
    case 'code':
      return disabled.has('code') ? escapeHtml(atom.code) : `<code>${escapeHtml(atom.code)}</code>`;
    case 'link': {
      // Telegram lets no code or link live inside a link, so those render as their text.
      const inner = renderRange(source, atom.from, atom.to, new Set([...disabled, 'a', 'code']));
      return disabled.has('a') ? inner : `<a href="${escapeAttribute(atom.href)}">${inner}</a>`;
    }
    default: {
      const unreachable: never = atom;
      return unreachable;
    }
  }
}
