import { describe, expect, it } from 'vitest';
import { splitText } from '@nanobot/channel';
import { splitApiBase } from './discord-rest.js';
import { discordMaxChars, nonceOf } from './send-outbound.js';
import { newer } from './seen-store.js';

describe('splitText at Discord\'s limit', () => {
  it('keeps short replies whole and cuts long ones at line breaks, each within 2000', () => {
    expect(splitText('hi', discordMaxChars)).toEqual(['hi']);
    const text = Array.from({ length: 60 }, (_, i) => `line ${i} ${'y'.repeat(60)}`).join('\n');
    const parts = splitText(text, discordMaxChars);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
    expect(parts.join('\n')).toBe(text);
  });

  it('never cuts a surrogate pair', () => {
    const parts = splitText('😀'.repeat(1500), discordMaxChars);
    expect(parts.every((p) => p.length <= 2000 && !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
  });
});

describe('Discord helpers', () => {
  it('splits apiBase into root and version', () => {
    expect(splitApiBase('https://discord.com/api/v10')).toEqual({ api: 'https://discord.com/api', version: '10' });
    expect(splitApiBase('http://127.0.0.1:9/api/v9/')).toEqual({ api: 'http://127.0.0.1:9/api', version: '9' });
  });

  it('derives a stable nonce of at most 25 characters per chunk', () => {
    expect(nonceOf('j1', 0)).toBe(nonceOf('j1', 0));
    expect(nonceOf('j1', 0)).not.toBe(nonceOf('j1', 1));
    expect(nonceOf('j1', 0).length).toBeLessThanOrEqual(25);
  });

  it('compares snowflakes as numbers', () => {
    expect(newer('10', '9')).toBe(true);
    expect(newer('9', '10')).toBe(false);
    expect(newer('5', undefined)).toBe(true);
  });
});
