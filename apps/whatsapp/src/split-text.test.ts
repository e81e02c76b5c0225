import { describe, expect, it } from 'vitest';
import { splitText } from './split-text.js';

describe('splitText', () => {
  it('keeps a short text whole', () => {
    expect(splitText('hello')).toEqual(['hello']);
  });

  it('cuts at paragraph breaks first, and every chunk fits', () => {
    const paragraph = 'word '.repeat(30).trim();
    const text = [paragraph, paragraph, paragraph, paragraph].join('\n\n');
    const chunks = splitText(text, 400);
    expect(chunks.every((c) => c.length <= 400)).toBe(true);
    expect(chunks.join('\n\n')).toBe(text);
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('cuts a text without spaces hard and never splits a surrogate pair', () => {
    const text = `${'a'.repeat(15)}😀${'b'.repeat(20)}`;
    const chunks = splitText(text, 16);
    expect(chunks.join('')).toBe(text);
    expect(chunks.every((c) => c.length <= 16 && !/[\uD800-\uDBFF]$/.test(c))).toBe(true);
  });
});
