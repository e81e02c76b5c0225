import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('redacts tokens and api keys in fields', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 't', destination });
    log.info({ token: '123:abc', provider: { apiKey: 'sk-secret' } }, 'configured');
    const text = lines.join('');
    expect(text).not.toContain('123:abc');
    expect(text).not.toContain('sk-secret');
    expect(text).toContain('configured');
  });

  it('scrubs bot tokens embedded in URLs inside error messages', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 't', destination });
    const err = new Error('request to http://x/bot123456:AAH-secret_tok/getUpdates failed');
    log.error({ err }, 'polling failed for http://x/bot123456:AAH-secret_tok/getMe');
    const text = lines.join('');
    expect(text).not.toContain('AAH-secret_tok');
    expect(text).toContain('bot<redacted>');
  });
});

describe('createLogger error serialization', () => {
  it('keeps the message, code and stack of a logged error', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 't', destination });
    const err = Object.assign(new Error('poll failed for job 7'), { code: 'CHANNEL_UNAVAILABLE' });
    log.error({ err }, 'telegram channel error');
    const line = JSON.parse(lines[0] ?? '{}') as { err?: { message?: string; code?: string; stack?: string } };
    expect(line.err?.message).toBe('poll failed for job 7');
    expect(line.err?.code).toBe('CHANNEL_UNAVAILABLE');
    expect(line.err?.stack).toContain('poll failed for job 7');
  });

  it('logs a thrown string as a string', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 't', destination });
    log.error({ err: 'plain text failure' }, 'failed');
    expect(JSON.parse(lines[0] ?? '{}').err).toBe('plain text failure');
  });
});
