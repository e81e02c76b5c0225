import type { SearchProvider } from '@nanobot/config';
import { loadDom } from './load-dom.js';

export type SearchResult = { title: string; url: string; snippet: string };

export type SearchRequest = {
  query: string;
  count: number;
  apiKey: string;
  /** The provider's endpoint root (the config's `baseUrl`, or the provider's own). */
  baseUrl: string;
  userAgent: string;
  signal: AbortSignal;
};

/** A provider's answer that is not results: said to the model as the tool's result. */
export class SearchError extends Error {}

export const providerLabels: Record<SearchProvider, string> = {
  duckduckgo: 'DuckDuckGo',
  brave: 'Brave',
  tavily: 'Tavily',
  searxng: 'SearXNG',
  jina: 'Jina',
};

/** Each provider's public endpoint; `tools.web.search.baseUrl` replaces it (searxng has none). */
export const defaultBaseUrls: Record<SearchProvider, string> = {
  duckduckgo: 'https://html.duckduckgo.com',
  brave: 'https://api.search.brave.com',
  tavily: 'https://api.tavily.com',
  searxng: '',
  jina: 'https://s.jina.ai',
};

/** Brave wraps matches in <strong>, DuckDuckGo in <b>; entities too. */
export async function toPlainText(html: string): Promise<string> {
  const { parseHTML } = await loadDom();
  return (parseHTML(`<html><body>${html}</body></html>`).document.body?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

const endpoint = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

/** undici says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

async function call(provider: SearchProvider, url: string, init: RequestInit): Promise<Response> {
  const label = providerLabels[provider];
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new SearchError(`${label} search failed: ${init.signal?.aborted === true ? 'timed out' : describeFetchError(err)}`);
  }
  if (response.status === 401 || response.status === 403) {
    throw new SearchError(`${label} rejected the API key (HTTP ${response.status}); check tools.web.search.apiKey`);
  }
  if (response.status === 429) throw new SearchError(`${label} search is rate limited (HTTP 429); try again later or search less often`);
  if (!response.ok) throw new SearchError(`${label} search failed (HTTP ${response.status})`);
  return response;
}

const json = async (response: Response, provider: SearchProvider): Promise<Record<string, unknown>> => {
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch {
    throw new SearchError(`${providerLabels[provider]} answered something that is not JSON`);
  }
};

type Item = Record<string, unknown>;
const list = (value: unknown): Item[] => (Array.isArray(value) ? (value as Item[]) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const toResults = (items: Item[], fields: { snippet: string[] }): Promise<SearchResult[]> =>
  Promise.all(
    items.map(async (i) => ({ title: await toPlainText(str(i['title'])), url: str(i['url']), snippet: await toPlainText(fields.snippet.map((f) => str(i[f])).find((s) => s !== '') ?? '') })),
  );

/** DuckDuckGo's HTML endpoint (no key): result links point through its redirect, `uddg` holds the target. */
async function duckduckgo(r: SearchRequest): Promise<SearchResult[]> {
  const body = new URLSearchParams({ q: r.query });
  const response = await call('duckduckgo', endpoint(r.baseUrl, '/html/'), {
    method: 'POST',
    body,
    headers: { 'user-agent': r.userAgent, 'content-type': 'application/x-www-form-urlencoded' },
    signal: r.signal,
  });
  const { parseHTML } = await loadDom();
  const { document } = parseHTML(await response.text());
  const results: SearchResult[] = [];
  for (const block of document.querySelectorAll('.result')) {
    const link = block.querySelector('a.result__a');
    if (link === null) continue;
    let url = link.getAttribute('href') ?? '';
    try {
      const target = new URL(url, 'https://duckduckgo.com').searchParams.get('uddg');
      if (target !== null) url = target;
    } catch {
      // Kept as the page gives it.
    }
    const snippet = block.querySelector('.result__snippet')?.textContent ?? '';
    results.push({ title: (link.textContent ?? '').trim(), url, snippet: snippet.replace(/\s+/g, ' ').trim() });
  }
  return results;
}

async function brave(r: SearchRequest): Promise<SearchResult[]> {
  const url = `${endpoint(r.baseUrl, '/res/v1/web/search')}?${new URLSearchParams({ q: r.query, count: String(r.count) }).toString()}`;
  const response = await call('brave', url, { headers: { accept: 'application/json', 'x-subscription-token': r.apiKey, 'user-agent': r.userAgent }, signal: r.signal });
  const web = (await json(response, 'brave'))['web'] as Item | undefined;
  return toResults(list(web?.['results']), { snippet: ['description'] });
}

async function tavily(r: SearchRequest): Promise<SearchResult[]> {
  const response = await call('tavily', endpoint(r.baseUrl, '/search'), {
    method: 'POST',
    headers: { authorization: `Bearer ${r.apiKey}`, 'content-type': 'application/json', 'user-agent': r.userAgent },
    body: JSON.stringify({ query: r.query, max_results: r.count }),
    signal: r.signal,
  });
  return toResults(list((await json(response, 'tavily'))['results']), { snippet: ['content'] });
}

async function searxng(r: SearchRequest): Promise<SearchResult[]> {
  const url = `${endpoint(r.baseUrl, '/search')}?${new URLSearchParams({ q: r.query, format: 'json' }).toString()}`;
  const response = await call('searxng', url, { headers: { accept: 'application/json', 'user-agent': r.userAgent }, signal: r.signal });
  return toResults(list((await json(response, 'searxng'))['results']), { snippet: ['content'] });
}

async function jina(r: SearchRequest): Promise<SearchResult[]> {
  const response = await call('jina', endpoint(r.baseUrl, `/${encodeURIComponent(r.query)}`), {
    headers: { accept: 'application/json', authorization: `Bearer ${r.apiKey}`, 'user-agent': r.userAgent },
    signal: r.signal,
  });
  const results = await toResults(list((await json(response, 'jina'))['data']), { snippet: ['description', 'content'] });
  return results.map((x) => ({ ...x, snippet: x.snippet.slice(0, 500) }));
}

export const searchWith: Record<SearchProvider, (request: SearchRequest) => Promise<SearchResult[]>> = { duckduckgo, brave, tavily, searxng, jina };
