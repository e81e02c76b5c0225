import { isAppError, type AppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };

function parseError(raw: unknown): AppError {
  try {
    parseConfig(raw, options);
  } catch (error) {
    if (isAppError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('logs (pm2-logrotate settings)', () => {
  it('rotates at 10 MB and keeps 10 files by default', () => {
    expect(parseConfig({}, options).config.logs).toEqual({ maxSizeMb: 10, retainFiles: 10 });
  });

  it('accepts camelCase and snake_case, without warnings', () => {
    const camel = parseConfig({ logs: { maxSizeMb: 50, retainFiles: 3 } }, options);
    expect(camel.config.logs).toEqual({ maxSizeMb: 50, retainFiles: 3 });
    expect(camel.warnings).toEqual([]);
    const snake = parseConfig({ logs: { max_size_mb: 20, retain_files: 5 } }, options);
    expect(snake.config.logs).toEqual({ maxSizeMb: 20, retainFiles: 5 });
    expect(snake.warnings).toEqual([]);
  });

  it('refuses a size or a count that is not a positive whole number, naming the field', () => {
    expect(parseError({ logs: { maxSizeMb: 0 } }).message).toContain('logs.maxSizeMb');
    expect(parseError({ logs: { retainFiles: 2.5 } }).message).toContain('logs.retainFiles');
    expect(parseError({ logs: { maxSizeMb: '10M' } }).message).toContain('logs.maxSizeMb');
  });
});
