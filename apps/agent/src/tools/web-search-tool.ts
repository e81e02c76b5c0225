import { z } from 'zod';
import { searchProviders, type SearchProvider, type WebConfig } from '@nanobot/config';
import { defaultBaseUrls, providerLabels, SearchError, searchWith, type SearchResult } from './search-providers.js';
import { defaultUserAgent } from './web-fetch-tool.js';
import { defineTool, type Tool } from './tool-registry.js';

export type SearchSetup = { provider: SearchProvider; apiKey: string; baseUrl: string; maxResults: number; timeoutMs: number; userAgent: string };

/** nanobot's environment fallbacks for a key (or SearXNG's address) not in the config. */
const envKeys: Partial<Record<SearchProvider, string>> = { brave: 'BRAVE_API_KEY', tavily: 'TAVILY_API_KEY', jina: 'JINA_API_KEY', searxng: 'SEARXNG_BASE_URL' };

/**
 * The provider web_search really uses, as nanobot decides: the configured one when it has
 * what it needs (a key; for searxng a base URL), else DuckDuckGo, which needs nothing.
 * `fallback` says why, for a warning at start.
 */
export function toSearchSetup(web: WebConfig, env: Record<string, string | undefined>): SearchSetup & { fallback?: string } {
  const search = web.search;
  const named = search.provider.trim().toLowerCase();
  const provider = (searchProviders as readonly string[]).includes(named) ? (named as SearchProvider) : 'duckduckgo';
  const fromEnv = envKeys[provider] === undefined ? '' : (env[envKeys[provider]] ?? '');
  const apiKey = provider === 'searxng' ? search.apiKey : search.apiKey || fromEnv;
  const baseUrl = search.baseUrl || (provider === 'searxng' ? fromEnv : '') || defaultBaseUrls[provider];
  const common = { maxResults: Math.min(search.maxResults, 10), timeoutMs: search.timeout * 1000, userAgent: web.userAgent ?? defaultUserAgent };
  const missing = provider === 'searxng' ? baseUrl === '' : provider !== 'duckduckgo' && apiKey === '';
  if (missing) {
    const what = provider === 'searxng' ? 'tools.web.search.baseUrl' : 'tools.web.search.apiKey';
    // The configured baseUrl belonged to the other provider; DuckDuckGo's own endpoint is used.
    return { provider: 'duckduckgo', apiKey: '', baseUrl: defaultBaseUrls.duckduckgo, ...common, fallback: `${providerLabels[provider]} needs ${what}` };
  }
  return { provider, apiKey, baseUrl, ...common };
}

/** nanobot's layout: numbered title, URL and snippet. */
export function formatResults(query: string, results: SearchResult[], count: number): string {
  if (results.length === 0) return `No results for: ${query}`;
  const lines = [`Results for: ${query}\n`];
  results.slice(0, count).forEach((r, i) => {
    lines.push(`${i + 1}. ${r.title}\n   ${r.url}`);
    if (r.snippet !== '') lines.push(`   ${r.snippet}`);
  });
  return lines.join('\n');
}

/**
 * nanobot's `web_search` through DuckDuckGo (no key), Brave, Tavily, SearXNG or Jina. A bad
 * key, a rate limit or an outage of the provider is the tool's result, in words.
 */
export function createWebSearchTool(setup: SearchSetup): Tool {
  return defineTool({
    name: 'web_search',
    description: `Search the web. Returns titles, URLs and snippets; count defaults to ${setup.maxResults} (max 10). Use web_fetch to read a page in full.`,
    rerunSafe: true,
    schema: z.object({
      query: z.string().min(1).describe('Search query'),
      count: z.number().int().min(1).max(10).optional().describe('Number of results (1-10)'),
    }),
    async execute({ query, count }, context) {
      const n = count ?? setup.maxResults;
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(setup.timeoutMs)]);
      try {
        const results = await searchWith[setup.provider]({ query, count: n, apiKey: setup.apiKey, baseUrl: setup.baseUrl, userAgent: setup.userAgent, signal });
        return formatResults(query, results, n);
      } catch (err) {
        if (context.signal.aborted) throw err;
        if (err instanceof SearchError) return `Error: ${err.message}`;
        throw err;
      }
    },
  });
}
