import type { Config } from './schema.js';

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
