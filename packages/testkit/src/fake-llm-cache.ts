/**
 * A prompt cache as providers keep one, for the fake LLM: it remembers earlier prompts and
 * reports the part of a new prompt that an earlier one already had, by longest common prefix.
 * Tokens are estimated at four characters each.
 *
 * - OpenAI style (Chat Completions, Responses, Azure): automatic. A prompt of at least
 *   `minTokens` (1024, as OpenAI) reads the longest prefix it shares with any remembered prompt
 *   of the same model, in steps of `incrementTokens` (128, as OpenAI).
 * - Anthropic style: only at `cache_control` breakpoints. Each breakpoint at least `minTokens`
 *   long writes the prefix up to it; a later request reads the longest written prefix that it
 *   starts with and that ends before its last breakpoint (Anthropic's 20-block look-back limit
 *   is not modelled). Reads count as `cache_read_input_tokens`, the part between the read and
 *   the last breakpoint as `cache_creation_input_tokens`.
 *
 * The prompt is compared as the model would see it, in order: tools, then the system prompt,
 * then the messages, each JSON-encoded without the `cache_control` markers.
 */
export type PromptCacheOptions = { minTokens?: number; incrementTokens?: number; remember?: number };

export type CacheApi = 'openai' | 'responses' | 'anthropic';

export type CacheOutcome = { promptTokens: number; cachedTokens: number; cacheWriteTokens: number };

type Segment = { text: string; breakpoint: boolean };

export const tokensOf = (chars: number): number => Math.ceil(chars / 4);

function strip(value: unknown): { json: string; breakpoint: boolean } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { json: JSON.stringify(value ?? null), breakpoint: false };
  const { cache_control: marker, ...rest } = value as Record<string, unknown>;
  return { json: JSON.stringify(rest), breakpoint: marker !== undefined && marker !== null };
}

const plain = (value: unknown): Segment => ({ text: JSON.stringify(value ?? null), breakpoint: false });

function anthropicSegments(body: Record<string, unknown>): Segment[] {
  const segments: Segment[] = [];
  const push = (value: unknown) => {
    const { json, breakpoint } = strip(value);
    segments.push({ text: json, breakpoint });
  };
  for (const tool of Array.isArray(body['tools']) ? body['tools'] : []) push(tool);
  const system = body['system'];
  if (typeof system === 'string') segments.push({ text: JSON.stringify(system), breakpoint: false });
  else if (Array.isArray(system)) system.forEach(push);
  for (const message of Array.isArray(body['messages']) ? (body['messages'] as Array<Record<string, unknown>>) : []) {
    segments.push({ text: `<${String(message['role'])}>`, breakpoint: false });
    const content = message['content'];
    if (Array.isArray(content)) content.forEach(push);
    else segments.push({ text: JSON.stringify(content ?? ''), breakpoint: false });
  }
  // Top-level `cache_control` caches up to the last block (Anthropic's automatic caching).
  const last = segments[segments.length - 1];
  if (body['cache_control'] !== undefined && last !== undefined) last.breakpoint = true;
  return segments;
}

function openAiSegments(api: 'openai' | 'responses', body: Record<string, unknown>): Segment[] {
  const tools = Array.isArray(body['tools']) ? body['tools'].map(plain) : [];
  if (api === 'openai') return [...tools, ...(Array.isArray(body['messages']) ? body['messages'].map(plain) : [])];
  const input = body['input'];
  const items = typeof input === 'string' ? [plain({ role: 'user', content: input })] : Array.isArray(input) ? input.map(plain) : [];
  return [...tools, ...(body['instructions'] === undefined ? [] : [plain(body['instructions'])]), ...items];
}

function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
  return i;
}

export function createPromptCache(options: PromptCacheOptions = {}) {
  const minTokens = options.minTokens ?? 1024;
  const increment = Math.max(1, options.incrementTokens ?? 128);
  const remember = options.remember ?? 64;
  const prompts: Array<{ model: string; text: string }> = [];
  const written: Array<{ model: string; prefix: string }> = [];
  const keep = <T>(list: T[], max: number) => list.splice(0, Math.max(0, list.length - max));

  function automatic(model: string, text: string): CacheOutcome {
    const total = tokensOf(text.length);
    let shared = 0;
    for (const earlier of prompts) if (earlier.model === model) shared = Math.max(shared, commonPrefix(text, earlier.text));
    const sharedTokens = Math.min(total, Math.floor(shared / 4));
    const cachedTokens = total >= minTokens && sharedTokens >= minTokens ? Math.floor(sharedTokens / increment) * increment : 0;
    prompts.push({ model, text });
    keep(prompts, remember);
    return { promptTokens: total, cachedTokens, cacheWriteTokens: 0 };
  }

  function atBreakpoints(model: string, segments: Segment[]): CacheOutcome {
    const text = segments.map((s) => s.text).join('');
    const ends: number[] = [];
    let offset = 0;
    for (const segment of segments) {
      offset += segment.text.length;
      if (segment.breakpoint) ends.push(offset);
    }
    const lastEnd = ends[ends.length - 1] ?? 0;
    let read = 0;
    for (const entry of written) {
      if (entry.model === model && entry.prefix.length <= lastEnd && entry.prefix.length > read && text.startsWith(entry.prefix)) read = entry.prefix.length;
    }
    const readTokens = tokensOf(read);
    const cacheable = ends.filter((end) => tokensOf(end) >= minTokens);
    const lastCacheable = cacheable[cacheable.length - 1] ?? 0;
    for (const end of cacheable) if (end > read) written.push({ model, prefix: text.slice(0, end) });
    keep(written, remember * 4);
    const writeTokens = lastCacheable > read ? tokensOf(lastCacheable) - readTokens : 0;
    return { promptTokens: tokensOf(text.length), cachedTokens: readTokens, cacheWriteTokens: writeTokens };
  }

  return {
    observe(api: CacheApi, model: string, body: Record<string, unknown>): CacheOutcome {
      if (api === 'anthropic') return atBreakpoints(model, anthropicSegments(body));
      return automatic(model, openAiSegments(api, body).map((s) => s.text).join(''));
    },
  };
}

export type PromptCache = ReturnType<typeof createPromptCache>;
