import { describeError } from '@nanobot/core';

/** A check's verdict, in words for the person at the terminal; never holds a secret. */
export type CheckResult = { ok: true; detail: string } | { ok: false; detail: string };

/** Public endpoints of the providers nanobot knows (the agent's own table: apps/agent/src/llm/select-provider.ts). */
export const defaultApiBase: Record<string, string> = {
  openrouter: 'https://openrouter.ai/api/v1',
  openai: 'https://api.openai.com/v1',
  deepseek: 'https://api.deepseek.com',
  groq: 'https://api.groq.com/openai/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta/openai/',
  moonshot: 'https://api.moonshot.ai/v1',
  dashscope: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  zhipu: 'https://open.bigmodel.cn/api/paas/v4',
  aihubmix: 'https://aihubmix.com/v1',
  anthropic: 'https://api.anthropic.com',
};

/** Servers of one's own: an API base is required, a key is not. */
export const localProviders = new Set(['vllm', 'ollama', 'custom']);

export const defaultTelegramRoot = 'https://api.telegram.org';
const timeoutMs = 15_000;

/** What an answer's body says went wrong, without anything that resembles the secret sent. */
function reasonOf(status: number, statusText: string, body: unknown, secret: string): string {
  const error = (body as { error?: unknown; description?: unknown } | null) ?? {};
  const nested = typeof error.error === 'object' && error.error !== null ? (error.error as { message?: unknown }).message : error.error;
  const said = typeof nested === 'string' ? nested : typeof error.description === 'string' ? error.description : statusText;
  const safe = secret.length >= 4 ? said.split(secret).join('***') : said;
  return `${status} ${safe.slice(0, 200)}`.trim();
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** A bot token is `<bot id>:<secret>`; anything else is refused before a request is made. */
export const looksLikeBotToken = (token: string) => /^\d+:[A-Za-z0-9_-]{6,}$/.test(token);

/** Telegram's `getMe` with the token, at the configured Bot API root (a local Bot API server) or Telegram's. */
export async function checkBotToken(token: string, apiRoot: string | undefined): Promise<CheckResult> {
  if (!looksLikeBotToken(token)) return { ok: false, detail: 'that is not a bot token: @BotFather gives one like 123456789:AAH…' };
  const root = (apiRoot ?? defaultTelegramRoot).replace(/\/+$/, '');
  try {
    const response = await fetch(`${root}/bot${token}/getMe`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await readJson(response)) as { ok?: boolean; result?: { username?: string } } | null;
    if (response.ok && body?.ok === true) return { ok: true, detail: `Telegram knows the bot as @${body.result?.username ?? '?'}` };
    return { ok: false, detail: `Telegram refused the bot token (${reasonOf(response.status, response.statusText, body, token)})` };
  } catch (err) {
    return { ok: false, detail: `the Bot API at ${root} did not answer: ${describeError(err).split(token).join('***')}` };
  }
}

export type ModelProbe = { provider: string; apiKey: string; apiBase?: string | undefined; model: string };

/** The endpoint the agent would use for this provider, or why there is none. */
export function endpointOf(probe: Pick<ModelProbe, 'provider' | 'apiBase'>): string | { missing: string } {
  const base = probe.apiBase ?? defaultApiBase[probe.provider];
  if (base === undefined) return { missing: `providers.${probe.provider}.apiBase is required for this provider (--api-base)` };
  return base.replace(/\/+$/, '');
}

/**
 * A one-token request for the model at the provider's endpoint: proves the key, the
 * endpoint and the model name together. Anthropic has its own API; every other provider
 * speaks OpenAI's chat completions.
 */
export async function checkModel(probe: ModelProbe): Promise<CheckResult> {
  const base = endpointOf(probe);
  if (typeof base !== 'string') return { ok: false, detail: base.missing };
  // As the agent does: a model named `<provider>/<model>` is sent to that provider as `<model>`.
  const model = probe.model.startsWith(`${probe.provider}/`) ? probe.model.slice(probe.provider.length + 1) : probe.model;
  const messages = [{ role: 'user', content: 'Reply with OK.' }];
  const anthropic = probe.provider === 'anthropic';
  const url = anthropic ? `${base.replace(/\/v1$/, '')}/v1/messages` : `${base}/chat/completions`;
  const headers: Record<string, string> = anthropic
    ? { 'content-type': 'application/json', 'x-api-key': probe.apiKey, 'anthropic-version': '2023-06-01' }
    : { 'content-type': 'application/json', ...(probe.apiKey === '' ? {} : { authorization: `Bearer ${probe.apiKey}` }) };
  try {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ model, messages, max_tokens: 1 }), signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) return { ok: true, detail: `${probe.provider} answered for ${probe.model}` };
    const body = await readJson(response);
    return { ok: false, detail: `${probe.provider} refused the request for ${probe.model} at ${base} (${reasonOf(response.status, response.statusText, body, probe.apiKey)})` };
  } catch (err) {
    return { ok: false, detail: `${probe.provider} did not answer at ${base}: ${describeError(err)}` };
  }
}
