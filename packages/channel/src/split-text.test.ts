import { describe, expect, it } from 'vitest';
import { splitText } from './split-text.js';

describe('splitText', () => {
  it('keeps a short reply whole and cuts a long one at line breaks, each chunk within the limit', () => {
    expect(splitText('hi', 2000)).toEqual(['hi']);
    const text = Array.from({ length: 60 }, (_, i) => `line ${i} ${'y'.repeat(60)}`).join('\n');
    const parts = splitText(text, 2000);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
    expect(parts.join('\n')).toBe(text);
  });

  it('prefers a paragraph break to a line break, and a line break to a space', () => {
    const text = `${'a'.repeat(30)}\n\n${'b'.repeat(10)}\n${'c'.repeat(10)} ${'d'.repeat(20)}`;
    expect(splitText(text, 60)[0]).toBe('a'.repeat(30));
    expect(splitText(`${'a'.repeat(30)}\n${'b'.repeat(10)} ${'c'.repeat(30)}`, 50)[0]).toBe('a'.repeat(30));
  });

  it('cuts a text without spaces at the limit but never inside a surrogate pair', () => {
    const parts = splitText('😀'.repeat(1500), 2000);
    expect(parts.every((p) => p.length <= 2000 && !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
    expect(parts.join('')).toBe('😀'.repeat(1500));
    expect(splitText('x'.repeat(40), 16)).toEqual(['x'.repeat(16), 'x'.repeat(16), 'x'.repeat(8)]);
  });

  it('uses a separator just past the limit, normalises line endings and drops the whitespace at a cut', () => {
    expect(splitText(`${'a'.repeat(16)} ${'b'.repeat(5)}`, 16)).toEqual(['a'.repeat(16), 'b'.repeat(5)]);
    expect(splitText(`${'a'.repeat(12)}\r\n${'b'.repeat(12)}`, 16)).toEqual(['a'.repeat(12), 'b'.repeat(12)]);
  });

  it('gives no chunk for a blank text unless the channel names one', () => {
    expect(splitText('  \n ', 2000)).toEqual([]);
    expect(splitText('', 2000, { emptyText: '(empty reply)' })).toEqual(['(empty reply)']);
    expect(() => splitText('x', 8)).toThrow(RangeError);
  });
});
