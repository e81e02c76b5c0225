import { describe, expect, it } from 'vitest';
import { apiProblem, apiSettings } from './gateway-access.js';
import { parseConfig } from './parse-config.js';

const parse = (raw: Record<string, unknown>, env: Record<string, string> = {}) => parseConfig(raw, { env, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot', source: 'test' });

describe('the api section (nanobot serve)', () => {
  it('is absent unless configured, and nanobot serve then uses nanobot\'s defaults', () => {
    const { config, warnings } = parse({});
    expect(config.api).toBeUndefined();
    expect(apiSettings(config)).toEqual({ host: '127.0.0.1', port: 8900, timeout: 120, apiKey: '' });
    expect(warnings.join('\n')).not.toContain('api');
  });

  it('takes nanobot\'s keys, camelCase or snake_case, with apiKey null meaning no key', () => {
    const { config, warnings } = parse({ api: { host: '0.0.0.0', port: 9000, api_key: 'k', timeout: 30 } });
    expect(config.api).toEqual({ host: '0.0.0.0', port: 9000, apiKey: 'k', timeout: 30 });
    expect(warnings).toEqual([]);
    expect(parse({ api: { apiKey: null } }).config.api?.apiKey).toBe('');
    expect(parse({}, { NANOBOT_API__PORT: '9100' }).config.api?.port).toBe(9100);
  });

  it('refuses a bad port, naming the field', () => {
    expect(() => parse({ api: { port: 'x' } })).toThrow(/api\.port/);
  });

  it('must not listen beyond loopback without a key', () => {
    const settings = (api: Record<string, unknown>) => apiSettings(parse({ api }).config);
    expect(apiProblem(settings({}))).toBeNull();
    expect(apiProblem(settings({ host: 'localhost' }))).toBeNull();
    expect(apiProblem(settings({ host: '0.0.0.0' }))).toMatch(/api\.apiKey/);
    expect(apiProblem(settings({ host: '::' }))).toMatch(/beyond loopback/);
    expect(apiProblem(settings({ host: '203.0.113.5' }))).toMatch(/beyond loopback/);
    expect(apiProblem(settings({ host: '0.0.0.0', apiKey: 'secret' }))).toBeNull();
  });
});
