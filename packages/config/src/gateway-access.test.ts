import { describe, expect, it } from 'vitest';
import { gatewayProblem, isLoopbackHost, toGatewayUrl } from './gateway-access.js';

const gateway = (host: string, token = '') => ({ host, port: 18790, token, heartbeat: { enabled: true, intervalS: 1800 } });

describe('gatewayProblem', () => {
  it('lets the dashboard listen on loopback without a token', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(gatewayProblem(gateway(host))).toBeNull();
  });

  it('refuses any other host without gateway.token, naming the field', () => {
    for (const host of ['0.0.0.0', '127.0.0.2', '203.0.113.5', '::']) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(gatewayProblem(gateway(host))).toMatch(/gateway\.token is empty/);
    }
    expect(gatewayProblem(gateway('0.0.0.0', '  '))).toContain('gateway.host is 0.0.0.0');
  });

  it('accepts any host with a token', () => {
    expect(gatewayProblem(gateway('0.0.0.0', 's3cret'))).toBeNull();
  });

  it('writes the URL people open, with IPv6 in brackets', () => {
    expect(toGatewayUrl(gateway('127.0.0.1'))).toBe('http://127.0.0.1:18790');
    expect(toGatewayUrl(gateway('::1'))).toBe('http://[::1]:18790');
  });
});
