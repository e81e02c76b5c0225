/**
 * Test-only checks, written independently of the converter: Telegram-HTML validity
 * (https://core.telegram.org/bots/api#html-style), visible text, seeded random Markdown, and
 * whether chunks put back together give the original text.
 */
const ALLOWED_TAGS = new Set(
  ['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'blockquote', 'tg-spoiler'],
);
const ENTITY = /^&(?:lt|gt|amp|quot);/;
const TOKEN = /<[^<>]*>|<|[^<]+/g;
const TAG = /^<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*>$/;

/** Text as Telegram shows it: tags removed, entities decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function checkText(text: string, where: string): string[] {
  const problems: string[] = [];
  if (text.includes('>')) problems.push(`raw ">" ${where}`);
  for (let index = text.indexOf('&'); index !== -1; index = text.indexOf('&', index + 1)) {
    if (!ENTITY.test(text.slice(index))) problems.push(`unescaped "&" at ${index} ${where}`);
  }
  return problems;
}

function checkAttributes(name: string, raw: string, parent: string | undefined): string[] {
  const attributes = [...raw.matchAll(/([a-z-]+)="([^"]*)"/g)].map((match) => [match[1] ?? '', match[2] ?? ''] as const);
  const keys = attributes.map(([key]) => key).join(',');
  const value = attributes[0]?.[1] ?? '';
  const problems = attributes.flatMap(([, text]) => checkText(text, 'in an attribute'));
  if (name === 'a') {
    if (keys !== 'href') problems.push(`<a> needs exactly href, has "${keys}"`);
    else if (!/^(?:https?:\/\/|tg:|mailto:)/i.test(visibleText(value))) problems.push(`href not allowed: ${value}`);
  } else if (name === 'code' && keys === 'class') {
    if (!/^language-\S+$/.test(value)) problems.push(`bad code class "${value}"`);
    if (parent !== 'pre') problems.push('code with a class outside pre');
  } else if (keys !== '') problems.push(`<${name}> must have no attributes, has "${keys}"`);
  return problems;
}

function checkNesting(name: string, stack: readonly string[]): string[] {
  const parent = stack.at(-1);
  const inCode = stack.includes('code') || stack.includes('pre');
  const problems: string[] = [];
  if (inCode && !(name === 'code' && parent === 'pre')) problems.push(`<${name}> inside code/pre`);
  if (name === 'pre' && stack.length > 0) problems.push(`<pre> inside <${stack.join('><')}>`);
  if (name === 'blockquote' && stack.includes('blockquote')) problems.push('nested blockquote');
  if ((name === 'a' || name === 'code') && stack.includes('a')) problems.push(`<${name}> inside <a>`);
  return problems;
}

/** Every way `html` breaks Telegram's HTML rules; empty when it is valid. */
export function checkTelegramHtml(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let previous = '';
  for (const token of html.match(TOKEN) ?? []) {
    if (!token.startsWith('<')) problems.push(...checkText(token, 'in text'));
    else if (token === '<') problems.push('raw "<"');
    else {
      const tag = TAG.exec(token);
      const name = tag?.[2] ?? '';
      if (tag === null || !ALLOWED_TAGS.has(name)) problems.push(`unknown tag ${token}`);
      else if (tag[1] === '/') {
        if (stack.at(-1) !== name) problems.push(`</${name}> closes <${stack.at(-1) ?? 'nothing'}>`);
        if (previous.startsWith(`<${name}`)) problems.push(`empty <${name}>`);
        stack.pop();
      } else {
        problems.push(...checkAttributes(name, tag[3] ?? '', stack.at(-1)), ...checkNesting(name, stack));
        stack.push(name);
      }
    }
    previous = token;
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join('><')}>`);
  return problems;
}

/** Deterministic PRNG (mulberry32) so random tests fail the same way every run. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '**', '*', '__', '_', '~~', '~', '`', '``', '```', '```py\n', '\n```\n', '\n~~~\n', '[', ']', '(', ')',
  '](https://e.com/a_b?x=1&y=2)', '](javascript:alert(1))', '](tg://user?id=1)', '<', '>', '&', '"', "'",
  '&amp;', '&lt;', '# ', '### ', '> ', '>> ', '- ', '* ', '+ ', '1. ', '| a | b |\n|---|---|\n', '| ', ' |',
  '|---|', '\n', '\n', '\n\n', ' ', ' ', '  ', '\t', 'word', 'Text', 'snake_case_name', '2*3*4', '😀',
  '👨‍👩‍👧', '中文', 'é', '\\', '\\*', 'https://x.com/_a_(b)', 'mailto:a@b.c', '<b>', '</i>', '<a href="x">',
  '||', '---', '\u00a0', '\u200b',
];

/** Markdown-ish text made of `count` random fragments: markers, nasty characters, words. */
export function randomMarkdown(random: () => number, count: number): string {
  let text = '';
  for (let index = 0; index < count; index += 1) {
    text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] ?? '';
  }
  return text;
}

const REOPENED_FENCE = /^(?:`{3,}|~{3,})[\w+#.-]*\n/;
const CLOSING_FENCE = /\n(?:`{3,}|~{3,})$/;

/**
 * True when the chunks, each maybe with a fence the splitter added at its start or end, are the
 * original text again, ignoring whitespace (the splitter drops it at cut points).
 */
export function isReassembly(original: string, chunks: readonly string[]): boolean {
  const squeeze = (text: string): string => text.replace(/\s+/g, '');
  const target = squeeze(original);
  const variants = chunks.map((chunk) => {
    const heads = REOPENED_FENCE.test(chunk) ? [chunk, chunk.replace(REOPENED_FENCE, '')] : [chunk];
    const all = heads.flatMap((head) => (CLOSING_FENCE.test(head) ? [head, head.replace(CLOSING_FENCE, '')] : [head]));
    return [...new Set(all.map(squeeze))];
  });
  const matchFrom = (chunk: number, offset: number): boolean => {
    if (chunk === variants.length) return offset === target.length;
    return (variants[chunk] ?? []).some((variant) => target.startsWith(variant, offset) && matchFrom(chunk + 1, offset + variant.length));
  };
  return matchFrom(0, 0);
}
