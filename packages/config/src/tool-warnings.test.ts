import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { isCidr } from './tool-warnings.js';

const options = { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot' };

describe('the tools section of a nanobot config', () => {
  it("takes nanobot's exec, web and ssrfWhitelist keys in snake_case, with nanobot's defaults", () => {
    const raw = {
      tools: {
        restrict_to_workspace: true,
        exec: { timeout: 120, path_append: '/opt/bin', path_prepend: '/usr/local/sbin', deny_patterns: ['\\bcurl\\b'], allowed_env_keys: ['GOPATH'] },
        web: { user_agent: 'bot/1', search: { provider: 'brave', api_key: 'k', max_results: 8, base_url: 'http://127.0.0.1:9/' } },
        ssrf_whitelist: ['100.64.0.0/10'],
      },
    };
    const { config, warnings } = parseConfig(raw, options);
    expect(warnings).toEqual([]);
    expect(config.tools.exec).toEqual({
      enable: true,
      timeout: 120,
      pathAppend: '/opt/bin',
      pathPrepend: '/usr/local/sbin',
      denyPatterns: ['\\bcurl\\b'],
      allowPatterns: [],
      allowedEnvKeys: ['GOPATH'],
      sandbox: '',
      sandboxRoBinds: [],
      sandboxRwBinds: [],
    });
    expect(config.tools.web).toMatchObject({ enable: true, userAgent: 'bot/1', search: { provider: 'brave', apiKey: 'k', maxResults: 8, baseUrl: 'http://127.0.0.1:9/', timeout: 30 } });
    expect(config.tools.ssrfWhitelist).toEqual(['100.64.0.0/10']);
    expect(parseConfig({}, options).config.tools.web.search.provider).toBe('duckduckgo');
  });

  it('refuses a deny pattern that is not a regular expression, naming the field', () => {
    expect(() => parseConfig({ tools: { exec: { denyPatterns: ['ok', '(unclosed'] } } }, options)).toThrow(
      /tools\.exec\.denyPatterns\[1\]: expected a valid regular expression/,
    );
  });

  it('warns at start about every tool setting it accepts but does not act on', () => {
    const raw = {
      tools: {
        mcpServers: { github: { command: 'npx' }, fs: { url: 'http://127.0.0.1:1/mcp', auth: 'oauth' }, half: { type: 'sse', command: 'x' }, empty: {} },
        exec: { sandbox: 'bwrap' },
        web: { proxy: 'http://127.0.0.1:3128', search: { provider: 'kagi' }, fetch: { useJinaReader: true } },
        ssrfWhitelist: ['10.0.0.0/8', 'tailnet'],
      },
    };
    const { warnings } = parseConfig(raw, options);
    expect(warnings).toEqual([
      'tools.mcpServers.fs.auth: OAuth is not supported yet; fs connects without it (a token can go in headers)',
      'tools.mcpServers.half: type sse needs a url; half is not started',
      'tools.mcpServers.empty: neither command nor url is set; empty is not started',
      'tools.exec.sandbox: sandboxes are not supported yet; commands run without "bwrap"',
      'tools.web.proxy: not supported yet; web_fetch and web_search connect directly',
      'tools.web.fetch.useJinaReader: pages are read locally, never sent to Jina Reader',
      'tools.web.search.provider: "kagi" is not supported (duckduckgo, brave, tavily, searxng, jina); web_search uses duckduckgo',
      'tools.ssrfWhitelist[1]: not a CIDR range such as "100.64.0.0/10", ignored',
    ]);
  });

  it('knows CIDR ranges of both address families', () => {
    for (const good of ['10.0.0.0/8', '127.0.0.1', '::1/128', 'fd00::/8', '100.64.0.0/10']) expect(isCidr(good)).toBe(true);
    for (const bad of ['10.0.0.0/33', '::1/129', 'example.com/24', '10.0.0.0/8/1', '', '10.0.0.0/x']) expect(isCidr(bad)).toBe(false);
  });

  it('does not warn about channel settings it acts on: streaming and tool hints', () => {
    const { warnings } = parseConfig({ channels: { telegram: { streaming: true }, send_tool_hints: true } }, options);
    expect(warnings).toEqual([]);
    expect(parseConfig({ channels: { telegram: { streaming: false } } }, options).warnings).toEqual([]);
  });
});
