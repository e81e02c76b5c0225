import { apiSchema, type ApiConfig, type Config } from './schema.js';

/** Hosts that only this machine can reach; anything else is "beyond loopback". */
const loopbackHosts = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return loopbackHosts.has(host.trim().toLowerCase());
}

/**
 * Why the dashboard must not listen as configured, or null when it may. Binding beyond
 * loopback without `gateway.token` would put the cluster's state and the retry buttons
 * on the network for anyone; this is kept apart from the schema so that it stops only
 * the dashboard, never the channels.
 */
export function gatewayProblem(gateway: Config['gateway']): string | null {
  if (isLoopbackHost(gateway.host) || gateway.token.trim() !== '') return null;
  return `gateway.host is ${gateway.host}, beyond loopback, and gateway.token is empty: set gateway.token (every dashboard request must then carry it) or gateway.host to 127.0.0.1`;
}

/** Where the dashboard answers, for people (an IPv6 host in brackets). */
export function toGatewayUrl(gateway: Config['gateway']): string {
  const host = gateway.host.includes(':') && !gateway.host.startsWith('[') ? `[${gateway.host}]` : gateway.host;
  return `http://${host}:${gateway.port}`;
}

/** `nanobot serve` with no `api` section: nanobot's defaults (127.0.0.1:8900, no key). */
export function apiSettings(config: Config): ApiConfig {
  return config.api ?? apiSchema.parse({});
}

/**
 * Why the API must not listen as configured, or null when it may. nanobot refuses 0.0.0.0 and
 * `::` without `api.apiKey`; we refuse every host beyond loopback without it.
 */
export function apiProblem(api: ApiConfig): string | null {
  if (isLoopbackHost(api.host) || api.apiKey.trim() !== '') return null;
  return `api.host is ${api.host}, beyond loopback, and api.apiKey is empty: set api.apiKey (every request must then carry it as a Bearer token) or api.host to 127.0.0.1`;
}
