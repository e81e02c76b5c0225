import { isIP } from 'node:net';
import type { Config } from './schema.js';

/** The search providers the agent's `web_search` speaks; nanobot knows more. */
export const searchProviders = ['duckduckgo', 'brave', 'tavily', 'searxng', 'jina'] as const;
export type SearchProvider = (typeof searchProviders)[number];

/** `a.b.c.d/n` or `x::y/n`: the forms `tools.ssrfWhitelist` takes (a bare address is one host). */
export function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Tool settings a nanobot config may hold that this version accepts but does not act on, or
 * acts on differently: each one is said at start (a `warning:` line, a warn log), never
 * ignored in silence.
 */
export function toolConfigWarnings(config: Config): string[] {
  const { tools } = config;
  const warnings: string[] = [];
  for (const [name, server] of Object.entries(tools.mcpServers)) {
    if (server.auth !== undefined) {
      warnings.push(`tools.mcpServers.${name}.auth: OAuth is not supported yet; ${name} connects without it (a token can go in headers)`);
    }
    const hasCommand = server.command !== undefined && server.command !== '';
    const hasUrl = server.url !== undefined && server.url !== '';
    if (server.type === undefined ? !hasCommand && !hasUrl : server.type === 'stdio' ? !hasCommand : !hasUrl) {
      warnings.push(`tools.mcpServers.${name}: ${server.type === undefined ? 'neither command nor url is set' : `type ${server.type} needs ${server.type === 'stdio' ? 'a command' : 'a url'}`}; ${name} is not started`);
    }
  }
  if (tools.exec.sandbox !== '') warnings.push(`tools.exec.sandbox: sandboxes are not supported yet; commands run without "${tools.exec.sandbox}"`);
  if (tools.exec.sandboxRoBinds.length + tools.exec.sandboxRwBinds.length > 0) {
    warnings.push('tools.exec.sandboxRoBinds/sandboxRwBinds: sandboxes are not supported yet, ignored');
  }
  if (tools.web.proxy !== undefined && tools.web.proxy !== '') {
    warnings.push('tools.web.proxy: not supported yet; web_fetch and web_search connect directly');
  }
  if (tools.web.fetch.useJinaReader === true) {
    warnings.push('tools.web.fetch.useJinaReader: pages are read locally, never sent to Jina Reader');
  }
  const provider = tools.web.search.provider.trim().toLowerCase();
  if (!(searchProviders as readonly string[]).includes(provider)) {
    warnings.push(`tools.web.search.provider: "${tools.web.search.provider}" is not supported (${searchProviders.join(', ')}); web_search uses duckduckgo`);
  }
  tools.ssrfWhitelist.forEach((entry, index) => {
    if (!isCidr(entry)) warnings.push(`tools.ssrfWhitelist[${index}]: not a CIDR range such as "100.64.0.0/10", ignored`);
  });
  return warnings;
}

