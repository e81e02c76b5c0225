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

describe('createLogger keeps secrets out of every part of a line', () => {
  const openaiKey = 'sk-proj-Zx81kQwe7RtyUiop0asDfGhJkl';
  const telegramToken = '7012345678:AAHk3vQxZ-8c_N0tARealTokenButFake123';
  const redisUrl = 'redis://:hunter22@127.0.0.1:6380';
  const secrets = [openaiKey, 'Zx81kQwe', telegramToken, 'AAHk3vQxZ', 'hunter22'];

  function logged(write: (log: ReturnType<typeof createLogger>) => void): string {
    const { lines, destination } = capture();
    write(createLogger({ name: 't', destination }));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) JSON.parse(line); // still one JSON object per line
    return lines.join('');
  }

  it('masks an OpenAI key, a Telegram token nested in an array and a Redis URL password', () => {
    const text = logged((log) => log.info({
      provider: { name: 'openai', key: openaiKey },
      calls: [{ urls: [[`https://api.telegram.org/bot${telegramToken}/getUpdates`]] }, { raw: `token is ${telegramToken}` }],
      redis: { url: redisUrl },
      maxTokens: 8192,
    }, 'configured'));
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('redis://:***@127.0.0.1:6380');
    expect(text).toContain('"maxTokens":8192');
  });

  it('masks errors: message, cause chain, stack and fields, also when the error is the only argument', () => {
    const cause = new Error(`connect ECONNREFUSED ${redisUrl}`);
    const err = Object.assign(new Error(`model call with ${openaiKey} failed`, { cause }), { details: { urls: [`/bot${telegramToken}/x`] } });
    const text = logged((log) => {
      log.error({ err }, 'turn failed');
      log.error(err);
      log.warn({ nested: { inner: [err] } }, 'wrapped');
    });
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('caused by');
  });

  it('masks child bindings, the message and interpolated arguments', () => {
    const text = logged((log) => {
      log.child({ settings: { token: telegramToken, url: redisUrl } }).info('child line');
      log.child({ chatId: '1' }).child({ raw: [telegramToken] }).info('grandchild line');
      log.info(`connecting to ${redisUrl}`);
      log.info('using %s and %o', openaiKey, { list: [openaiKey] });
    });
    for (const secret of secrets) expect(text).not.toContain(secret);
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
