import { pino } from 'pino';

export const censor = '<redacted>';

/**
 * Values that are secrets wherever they appear, one pass over each string. Every quantifier
 * that can start at many positions is bounded, so a long hostile string costs linear time.
 * - `bot<id>:<secret>`: the Bot API puts the token in the URL path;
 * - `<id>:<30+ chars>`: a Telegram bot token on its own;
 * - `sk-…` (OpenAI, `sk-ant-` Anthropic, `sk-or-` OpenRouter, `sk-proj-`);
 * - `xoxb-`/`xoxp-`/`xoxa-`/`xoxr-`/`xoxs-`/`xapp-`: Slack tokens;
 * - `Bearer <credential>`;
 * - the password of a URL: `redis://user:pw@host` keeps the user and the host.
 */
const secretPattern =
  /(bot)\d{1,20}:[A-Za-z0-9_-]+|\d{1,20}:[A-Za-z0-9_-]{30,}|\bsk-[A-Za-z0-9_-]{10,}|\b(?:xox[abprs]|xapp)-[A-Za-z0-9-]{8,}|\b([Bb]earer\s{1,8})[A-Za-z0-9._~+/=-]{8,}|\b([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s:@/]{0,256}:)[^\s@/]{1,256}@/g;

function replaceSecret(_match: string, bot?: string, bearer?: string, userinfo?: string): string {
  if (bot !== undefined) return `bot${censor}`;
  if (bearer !== undefined) return `${bearer}${censor}`;
  if (userinfo !== undefined) return `${userinfo}***@`;
  return censor;
}

/** Masks every value in `text` that looks like a secret (tokens, keys, URL passwords). */
export function scrubSecrets(text: string): string {
  return text.replace(secretPattern, replaceSecret);
}

/**
 * Field names whose value is a secret whatever it looks like: `token`, `botToken`, `apiKey`,
 * `x-api-key`, `password`, `clientSecret`, `Authorization`… but not counters like `maxTokens`.
 */
const secretKey = /(?:token|api[-_]?key|secret|passw(?:or)?d|authorization|cookie|private[-_]?key|access[-_]?key)$/i;
const keyVerdicts = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let verdict = keyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = secretKey.test(key);
    // Field names are few and repeat on every line; a bound keeps odd callers from growing it.
    if (keyVerdicts.size < 2_000) keyVerdicts.set(key, verdict);
  }
  return verdict;
}

/** How deep and how much of one log line is walked; what lies beyond is replaced, not written unread. */
export const redactLimits = { maxDepth: 10, maxNodes: 2_000 };
const truncated = '[truncated]';

/** `seen` holds the objects on the path from the root: at most `maxDepth` of them. */
type Walk = { nodes: number; seen: object[] };

/**
 * A copy of `value` fit for a log line: secret-looking strings masked, fields with secret names
 * censored, errors serialized (message and stack include their `cause` chain) and walked too.
 * Arrays and objects at any depth, up to `redactLimits`.
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  return walk(value, 0, { nodes: 0, seen: [] });
}

function walk(value: unknown, depth: number, state: Walk): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= redactLimits.maxDepth || ++state.nodes > redactLimits.maxNodes) return truncated;
  if (state.seen.includes(value)) return '[Circular]';
  state.seen.push(value);
  try {
    if (value instanceof Error) return walkObject(pino.stdSerializers.err(value), depth, state);
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, state));
    // What JSON.stringify would write: a URL's href, a Date's ISO string, a Buffer's bytes.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, state);
    return walkObject(value, depth, state);
  } finally {
    state.seen.pop();
  }
}

function walkObject(value: object, depth: number, state: Walk): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    out[key] = isSecretKey(key) && field !== undefined && field !== null && field !== '' ? censor : walk(field, depth + 1, state);
  }
  return out;
}
