/**
 * A validator for Telegram's HTML parse mode, close enough to the Bot API's own parser
 * that a message our formatter produces is accepted here exactly when Telegram accepts it.
 * Rules: https://core.telegram.org/bots/api#html-style
 *
 * Deliberately stricter than Telegram in one place: an `&` that does not start a supported
 * entity is an error here (Telegram keeps it literally), because it means the caller forgot
 * to escape user text and the next `<` would break the message.
 */
export type TelegramHtmlResult = { ok: true; visibleText: string } | { ok: false; reason: string };

const allowedTags = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler',
  'a', 'code', 'pre', 'blockquote', 'tg-emoji',
]);

const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

type Step = { ok: true; end: number; text: string } | { ok: false; reason: string };
type TagStep = { ok: true; end: number; name: string; attributes: Map<string, string> } | { ok: false; reason: string };

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r';
}

/** Decodes the entity starting at `start` (which holds `&`). */
function decodeEntity(text: string, start: number): Step {
  const match = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));/.exec(text.slice(start, start + 12));
  const failure: Step = { ok: false, reason: `Unsupported HTML entity at byte offset ${byteOffset(text, start)}` };
  if (!match) return failure;
  const end = start + match[0].length;
  if (match[3] !== undefined) {
    const decoded = namedEntities[match[3]];
    return decoded === undefined ? failure : { ok: true, end, text: decoded };
  }
  const codePoint = match[1] !== undefined ? Number(match[1]) : Number.parseInt(match[2] ?? '', 16);
  const valid = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
  return valid ? { ok: true, end, text: String.fromCodePoint(codePoint) } : failure;
}

function decodeAll(text: string): Step {
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '&') {
      out += text[i];
      i += 1;
      continue;
    }
    const step = decodeEntity(text, i);
    if (!step.ok) return step;
    out += step.text;
    i = step.end;
  }
  return { ok: true, end: text.length, text: out };
}

/** Reads one attribute value (quoted or bare) starting at `start`; returns its raw text. */
function readValue(text: string, start: number): { end: number; raw: string } | undefined {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    return close < 0 ? undefined : { end: close + 1, raw: text.slice(start + 1, close) };
  }
  let end = start;
  while (end < text.length && !isSpace(text[end]) && text[end] !== '>') end += 1;
  return { end, raw: text.slice(start, end) };
}

/** Parses `<name attr="v" ...>` starting at `start` (which holds `<`). */
function readStartTag(text: string, start: number): TagStep {
  const offset = byteOffset(text, start);
  const unclosed: TagStep = { ok: false, reason: `Unclosed start tag at byte offset ${offset}` };
  let i = start + 1;
  while (i < text.length && !isSpace(text[i]) && text[i] !== '>') i += 1;
  if (i >= text.length) return unclosed;
  const name = text.slice(start + 1, i).toLowerCase();
  if (!allowedTags.has(name)) return { ok: false, reason: `Unsupported start tag "${name}" at byte offset ${offset}` };
  const attributes = new Map<string, string>();
  for (;;) {
    while (isSpace(text[i])) i += 1;
    if (i >= text.length) return unclosed;
    if (text[i] === '>') return { ok: true, end: i + 1, name, attributes };
    const nameStart = i;
    while (i < text.length && !isSpace(text[i]) && text[i] !== '=' && text[i] !== '>') i += 1;
    const attribute = text.slice(nameStart, i).toLowerCase();
    while (isSpace(text[i])) i += 1;
    if (text[i] !== '=') {
      attributes.set(attribute, '');
      continue;
    }
    i += 1;
    while (isSpace(text[i])) i += 1;
    const value = readValue(text, i);
    if (!value) return unclosed;
    const decoded = decodeAll(value.raw);
    if (!decoded.ok) return { ok: false, reason: `${decoded.reason} in an attribute of tag "${name}"` };
    attributes.set(attribute, decoded.text);
    i = value.end;
  }
}

function checkAttributes(name: string, attributes: Map<string, string>): string | undefined {
  if (name === 'span' && attributes.get('class') !== 'tg-spoiler') return 'Tag "span" must have class "tg-spoiler"';
  if (name === 'tg-emoji' && !/^\d+$/.test(attributes.get('emoji-id') ?? '')) {
    return 'Tag "tg-emoji" must have a numeric attribute "emoji-id"';
  }
  return undefined;
}

/**
 * Validates `text` as Telegram HTML and returns what the recipient sees: tags removed,
 * entities decoded. Error reasons use the Bot API's wording where Telegram has one.
 */
export function parseTelegramHtml(text: string): TelegramHtmlResult {
  const open: string[] = [];
  let visibleText = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '&') {
      const step = decodeEntity(text, i);
      if (!step.ok) return step;
      visibleText += step.text;
      i = step.end;
    } else if (ch !== '<') {
      visibleText += ch;
      i += 1;
    } else if (text[i + 1] === '/') {
      const close = text.indexOf('>', i);
      const offset = byteOffset(text, i);
      if (close < 0) return { ok: false, reason: `Unclosed end tag at byte offset ${offset}` };
      const name = text.slice(i + 2, close).trim().toLowerCase();
      const expected = open.pop();
      if (expected === undefined) return { ok: false, reason: `Unexpected end tag at byte offset ${offset}` };
      if (expected !== name) {
        return { ok: false, reason: `Unmatched end tag at byte offset ${offset}, expected "</${expected}>", found "</${name}>"` };
      }
      i = close + 1;
    } else {
      const tag = readStartTag(text, i);
      if (!tag.ok) return tag;
      const problem = checkAttributes(tag.name, tag.attributes);
      if (problem !== undefined) return { ok: false, reason: problem };
      open.push(tag.name);
      i = tag.end;
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) return { ok: false, reason: `Can't find end tag corresponding to start tag "${unclosed}"` };
  return { ok: true, visibleText };
}
