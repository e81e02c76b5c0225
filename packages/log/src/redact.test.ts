import { describe, expect, it } from 'vitest';
import { isSecretKey, redactLimits, redactValue, scrubSecrets } from './redact.js';

const telegramToken = '7012345678:AAHk3vQxZ-8c_N0tARealTokenButFake123';
const openaiKey = 'sk-proj-Zx81kQwe7RtyUiop0asDfGhJkl';

describe('scrubSecrets', () => {
  it('masks bot tokens, provider keys, Slack tokens and bearer credentials', () => {
    expect(scrubSecrets(`GET /bot${telegramToken}/getMe`)).toBe('GET /bot<redacted>/getMe');
    expect(scrubSecrets(`token ${telegramToken} end`)).toBe('token <redacted> end');
    expect(scrubSecrets(`key=${openaiKey}`)).toBe('key=<redacted>');
    expect(scrubSecrets('sk-ant-api03-abcdefghijklmnop and sk-or-v1-0123456789abcdef')).toBe('<redacted> and <redacted>');
    expect(scrubSecrets('xoxb-123456789012-abcdefGHIJ xapp-1-A0123456')).toBe('<redacted> <redacted>');
    expect(scrubSecrets('Authorization: Bearer eyJhbGciOi.JIUzI1NiJ9.abc')).toBe('Authorization: Bearer <redacted>');
  });

  it('masks the password of a URL and keeps the user and the host', () => {
    expect(scrubSecrets('redis://:hunter22@127.0.0.1:6380/0')).toBe('redis://:***@127.0.0.1:6380/0');
    expect(scrubSecrets('connect rediss://default:s3cr%40t@cache.example:6380 failed')).toBe('connect rediss://default:***@cache.example:6380 failed');
    expect(scrubSecrets('http://user:pw@proxy:8080')).toBe('http://user:***@proxy:8080');
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'update ignored', 'redis://127.0.0.1:6380', 'http://host:8080/a@b', 'telegram:42:topic:12', '4911111111:7@s.whatsapp.net',
      'task-queue', 'risk-assessment', 'tg-999-100', 'took 12:30 minutes',
    ]) expect(scrubSecrets(text)).toBe(text);
  });

  it('stays linear on long hostile strings', () => {
    const started = Date.now();
    scrubSecrets('a.'.repeat(200_000));
    scrubSecrets('1'.repeat(400_000));
    scrubSecrets(`a://${':'.repeat(400_000)}`);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('isSecretKey', () => {
  it('knows secret field names but not token counters', () => {
    for (const key of ['token', 'botToken', 'bridgeToken', 'apiKey', 'api_key', 'x-api-key', 'password', 'redisPassword', 'secret', 'clientSecret', 'Authorization', 'cookie']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['maxTokens', 'input_tokens', 'tokenCount', 'updateId', 'reason', 'keys']) expect(isSecretKey(key), key).toBe(false);
  });
});

describe('redactValue', () => {
  it('walks arrays and objects at any depth', () => {
    const deep = { a: { b: [{ c: { d: [[`bot${telegramToken}`]], password: 'pw', maxTokens: 10 } }] } };
    expect(redactValue(deep)).toEqual({ a: { b: [{ c: { d: [['bot<redacted>']], password: '<redacted>', maxTokens: 10 } }] } });
  });

  it('serializes errors with their cause chain and masks message and stack', () => {
    const cause = new Error(`ECONNREFUSED redis://:hunter22@10.0.0.1:6379`);
    const err = Object.assign(new Error(`send failed with ${openaiKey}`, { cause }), { code: 'LLM_UNAVAILABLE', details: { apiKey: 'plain' } });
    const out = redactValue(err) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/hunter22|Zx81kQwe|plain/);
    expect(out).toMatchObject({ type: 'Error', code: 'LLM_UNAVAILABLE', details: { apiKey: '<redacted>' } });
    expect(out.message).toContain('redis://:***@10.0.0.1:6379'); // the cause's message is part of the message
    expect(out.stack).toContain('caused by');
  });

  it('censors what lies beyond its bounds instead of writing it unread, and survives cycles', () => {
    let nested: Record<string, unknown> = { leaf: openaiKey };
    for (let i = 0; i < redactLimits.maxDepth + 2; i += 1) nested = { nested };
    expect(JSON.stringify(redactValue(nested))).not.toContain('Zx81kQwe');
    const wide = Array.from({ length: redactLimits.maxNodes + 10 }, () => ({ key: openaiKey }));
    expect(JSON.stringify(redactValue(wide))).not.toContain('Zx81kQwe');
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(redactValue(cyclic)).toEqual({ name: 'x', self: '[Circular]' });
  });

  it('reads objects as JSON would write them (a URL with a password)', () => {
    expect(redactValue({ url: new URL('redis://user:pw@host:6379/0') })).toEqual({ url: 'redis://user:***@host:6379/0' });
  });
});
