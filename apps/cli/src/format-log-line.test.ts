import { describe, expect, it } from 'vitest';
import { appOfLogFile, formatLogLine, parseLogLine, toLocalTime } from './format-log-line.js';

const at = Date.parse('2026-01-02T03:04:05.678Z');
const pino = (fields: Record<string, unknown>) => JSON.stringify({ level: 'info', time: '2026-01-02T03:04:05.678Z', app: 'nanobot-telegram', name: 'nanobot-telegram', msg: 'Starting telegram channel...', ...fields });

describe('formatLogLine', () => {
  it('turns a pino line behind pm2\'s date into time, level, app, message and fields', () => {
    const line = `2026-01-02 03:04:05.700 +00:00: ${pino({ level: 'warn', msg: 'telegram unavailable, reply put back', jobId: 'tg-1-5-reply', waitMs: 2000, code: 'CHANNEL_UNAVAILABLE' })}`;
    expect(formatLogLine(line, { fileApp: 'nanobot-telegram', color: false })).toBe(
      `${toLocalTime(at)} WARN  telegram        telegram unavailable, reply put back  jobId=tg-1-5-reply waitMs=2000 code=CHANNEL_UNAVAILABLE`,
    );
  });

  it('shows an error by its code and message, not its stack, and quotes text with spaces', () => {
    const line = pino({ level: 'error', msg: 'inbound job failed', err: { type: 'AppError', message: 'model down', code: 'LLM_UNAVAILABLE', stack: 'Error: model down\n    at x' }, note: 'two words' });
    const shown = formatLogLine(line, { fileApp: 'x', color: false });
    expect(shown).toContain('ERROR telegram        inbound job failed  err="LLM_UNAVAILABLE: model down" note="two words"');
    expect(shown).not.toContain('at x');
    expect(formatLogLine(line, { fileApp: 'x', color: true })).toMatch(/^\x1b\[31m.*\x1b\[0m$/);
  });

  it('keeps other output (redis-server) as it is, with pm2\'s time and the file\'s app', () => {
    const line = '2026-01-02 03:04:05.678 +00:00: 1234:M 02 Jan 2026 03:04:05.678 * Ready to accept connections tcp';
    expect(formatLogLine(line, { fileApp: 'nanobot-redis', color: false })).toBe(`${toLocalTime(at)}       redis           1234:M 02 Jan 2026 03:04:05.678 * Ready to accept connections tcp`);
    expect(parseLogLine('{not json', 'nanobot-agent')).toMatchObject({ at: null, app: 'nanobot-agent', json: null });
  });

  it('names the app of a pm2 log file', () => {
    expect(appOfLogFile('/x/.pm2/logs/nanobot-telegram-out.log')).toBe('nanobot-telegram');
    expect(appOfLogFile('/x/.pm2/logs/nanobot-whatsapp-bridge-error-3.log')).toBe('nanobot-whatsapp-bridge');
  });
});
