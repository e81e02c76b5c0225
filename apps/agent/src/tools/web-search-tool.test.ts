import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import { freePort, startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createToolAgent, lastToolResults, signal } from '../test-support/tool-agent.js';
import { toSearchSetup } from './web-search-tool.js';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

const ddgPage = `<html><body><div class="results">
<div class="result results_links"><h2 class="result__title"><a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fcats.example%2Fabout&rut=x">All <b>about</b> cats</a></h2>
<a class="result__snippet" href="#">Cats are <b>small</b> &amp; furry.</a></div>
<div class="result results_links"><h2 class="result__title"><a class="result__a" href="https://dogs.example/">Dogs</a></h2><a class="result__snippet">Loyal.</a></div>
</div></body></html>`;

/** One loopback server that answers in the shape of each provider's API, and can fail on demand. */
async function startSearchApis() {
  const seen: Seen[] = [];
  let failWith: number | undefined;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (failWith !== undefined) return void res.writeHead(failWith, { 'content-type': 'application/json' }).end('{"error":"no"}');
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (value: unknown) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (url.pathname === '/ddg/html/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(ddgPage);
      if (url.pathname === '/brave/res/v1/web/search') return json({ web: { results: [{ title: 'Brave <strong>cats</strong>', url: 'https://b.example/', description: 'From <strong>Brave</strong>' }] } });
      if (url.pathname === '/tavily/search') return json({ results: [{ title: 'Tavily cats', url: 'https://t.example/', content: 'From Tavily' }] });
      if (url.pathname === '/searx/search') return json({ results: [{ title: 'Searx cats', url: 'https://s.example/', content: 'From SearXNG' }, { title: 'Two', url: 'https://s2.example/', content: '' }] });
      if (url.pathname.startsWith('/jina/')) return json({ data: [{ title: 'Jina cats', url: 'https://j.example/', content: 'J'.repeat(900) }] });
      return void res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    fail: (status: number | undefined) => void (failWith = status),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('web_search, through the agent loop, against loopback servers speaking each API', () => {
  let llm: FakeLlm;
  let apis: Awaited<ReturnType<typeof startSearchApis>>;
  beforeAll(async () => {
    llm = await startFakeLlm();
    apis = await startSearchApis();
  });
  afterAll(async () => {
    await llm.close();
    await apis.close();
  });
  beforeEach(() => {
    apis.fail(undefined);
    apis.seen.length = 0;
  });

  async function search(searchConfig: Record<string, unknown>, args: Record<string, unknown> = { query: 'cats' }, env?: Record<string, string>): Promise<string> {
    const t = await createToolAgent(llm, { tools: { web: { search: searchConfig } }, ...(env === undefined ? {} : { env }) });
    llm.script({ toolCalls: [{ name: 'web_search', arguments: args }] }, { content: 'found' });
    await t.agent.handleTurn(t.message('search'), { signal });
    expect(t.sent.map((r) => r.text)).toEqual(['found']);
    return lastToolResults(llm)[0] ?? '';
  }

  it('uses DuckDuckGo by default (no key): titles, target URLs and snippets from its HTML page', async () => {
    const result = await search({ baseUrl: `${apis.origin}/ddg` }, { query: 'cats', count: 2 });
    expect(result).toBe('Results for: cats\n\n1. All about cats\n   https://cats.example/about\n   Cats are small & furry.\n2. Dogs\n   https://dogs.example/\n   Loyal.');
    expect(apis.seen[0]).toMatchObject({ method: 'POST', body: 'q=cats' });
  });

  it('speaks Brave, Tavily, SearXNG and Jina with their keys', async () => {
    expect(await search({ provider: 'brave', apiKey: 'bk', baseUrl: `${apis.origin}/brave` }, { query: 'cats', count: 3 })).toBe('Results for: cats\n\n1. Brave cats\n   https://b.example/\n   From Brave');
    expect(apis.seen[0]?.headers['x-subscription-token']).toBe('bk');
    expect(apis.seen[0]?.url).toBe('/brave/res/v1/web/search?q=cats&count=3');
    expect(await search({ provider: 'tavily', apiKey: 'tk', baseUrl: `${apis.origin}/tavily` })).toContain('1. Tavily cats\n   https://t.example/\n   From Tavily');
    expect(apis.seen[1]?.headers.authorization).toBe('Bearer tk');
    expect(JSON.parse(apis.seen[1]?.body ?? '{}')).toEqual({ query: 'cats', max_results: 5 });
    expect(await search({ provider: 'searxng', baseUrl: `${apis.origin}/searx` })).toBe('Results for: cats\n\n1. Searx cats\n   https://s.example/\n   From SearXNG\n2. Two\n   https://s2.example/');
    expect(apis.seen[2]?.url).toBe('/searx/search?q=cats&format=json');
    const jina = await search({ provider: 'jina', baseUrl: `${apis.origin}/jina` }, { query: 'two words' }, { JINA_API_KEY: 'jk', PATH: '' });
    expect(jina).toContain(`1. Jina cats\n   https://j.example/\n   ${'J'.repeat(500)}`);
    expect(apis.seen[3]).toMatchObject({ url: '/jina/two%20words', headers: expect.objectContaining({ authorization: 'Bearer jk' }) as unknown });
  });

  it('falls back to DuckDuckGo, as nanobot does, when the provider has no key', async () => {
    const web = (search: Record<string, unknown>) => parseConfig({ tools: { web: { search } } }, { env: {}, homeDir: '/h', nanobotHome: '/h/.nanobot' }).config.tools.web;
    expect(toSearchSetup(web({ provider: 'brave' }), {})).toMatchObject({ provider: 'duckduckgo', baseUrl: 'https://html.duckduckgo.com', fallback: 'Brave needs tools.web.search.apiKey' });
    expect(toSearchSetup(web({ provider: 'searxng' }), {})).toMatchObject({ provider: 'duckduckgo', fallback: 'SearXNG needs tools.web.search.baseUrl' });
    expect(toSearchSetup(web({ provider: 'kagi', apiKey: 'k' }), {})).toMatchObject({ provider: 'duckduckgo' });
    // nanobot's environment fallbacks.
    expect(toSearchSetup(web({ provider: 'brave' }), { BRAVE_API_KEY: 'env-key' })).toMatchObject({ provider: 'brave', apiKey: 'env-key', baseUrl: 'https://api.search.brave.com' });
    expect(toSearchSetup(web({ provider: 'searxng' }), { SEARXNG_BASE_URL: 'http://searx.lan' })).toMatchObject({ provider: 'searxng', baseUrl: 'http://searx.lan' });
    expect(toSearchSetup(web({ maxResults: 25 }), {}).maxResults).toBe(10);
  });

  it('gives a rejected key, a rate limit and an outage to the model as a clear result', async () => {
    const brave = { provider: 'brave', apiKey: 'bad', baseUrl: `${apis.origin}/brave` };
    apis.fail(401);
    expect(await search(brave)).toBe('Error: Brave rejected the API key (HTTP 401); check tools.web.search.apiKey');
    apis.fail(429);
    expect(await search({ ...brave, provider: 'tavily', baseUrl: `${apis.origin}/tavily` })).toBe('Error: Tavily search is rate limited (HTTP 429); try again later or search less often');
    apis.fail(503);
    expect(await search({ baseUrl: `${apis.origin}/ddg` })).toBe('Error: DuckDuckGo search failed (HTTP 503)');
    apis.fail(undefined);
    expect(await search({ baseUrl: `http://127.0.0.1:${await freePort()}` })).toMatch(/^Error: DuckDuckGo search failed: ECONNREFUSED/);
    expect(JSON.stringify(llm.requests().map((r) => r.body))).not.toContain('"bad"');
  });
});
