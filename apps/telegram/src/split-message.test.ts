import { describe, expect, it } from 'vitest';
import { createRandom, isReassembly, randomMarkdown } from './html-check.test-helper.js';
import { isFenceCloser, matchFenceOpener } from './markdown-to-html.js';
import { splitMessage } from './split-message.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the text ends inside a fenced code block. */
function endsInsideCode(text: string): boolean {
  let marker: string | undefined;
  for (const line of text.split('\n')) {
    if (marker === undefined) marker = matchFenceOpener(line)?.marker;
    else if (isFenceCloser(line, marker)) marker = undefined;
  }
  return marker !== undefined;
}

function words(count: number, seed: number): string {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => 'lorem ipsum dolor sit amet consectetur'.split(' ')[Math.floor(random() * 6)]).join(' ');
}

describe('splitMessage', () => {
  it('returns nothing for empty or whitespace-only text', () => {
    expect(splitMessage('')).toEqual([]);
    expect(splitMessage(' \n\n\t \n')).toEqual([]);
  });

  it('returns a short text as one chunk', () => {
    expect(splitMessage('Hello **world**\n\n- a\n- b')).toEqual(['Hello **world**\n\n- a\n- b']);
  });

  it('splits a 10,000-character text at paragraph breaks', () => {
    const paragraphs = Array.from({ length: 25 }, (_, index) => `${index}. ${words(40 + (index % 7) * 12, index)}`);
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(10_000);
    const chunks = splitMessage(text);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(4000);
      for (const paragraph of chunk.split('\n\n')) expect(paragraphs).toContain(paragraph);
    }
    expect(chunks.join('\n\n')).toBe(text);
  });

  it('falls back to line breaks, then spaces, then a hard cut', () => {
    const lines = Array.from({ length: 300 }, (_, index) => `line ${index} ${words(5, index)}`);
    const byLine = splitMessage(lines.join('\n'), 1000);
    expect(byLine.join('\n')).toBe(lines.join('\n'));
    for (const chunk of byLine) expect(chunk.length).toBeLessThanOrEqual(1000);

    const sentence = words(2000, 7);
    const bySpace = splitMessage(sentence, 1000);
    expect(bySpace.join(' ')).toBe(sentence);
    for (const chunk of bySpace) expect(chunk.length).toBeLessThanOrEqual(1000);

    expect(splitMessage('x'.repeat(10_000)).map((chunk) => chunk.length)).toEqual([4000, 4000, 2000]);
  });

  it('never splits a surrogate pair, even with emoji right at the limit', () => {
    for (const text of ['😀'.repeat(2100), `a${'😀'.repeat(2100)}`, `${'😀'.repeat(1999)}ab👨‍👩‍👧${'😀'.repeat(50)}`]) {
      const chunks = splitMessage(text);
      expect(chunks.join('')).toBe(text);
      for (const chunk of chunks) {
        expect(chunk.length).toBeLessThanOrEqual(4000);
        expect(chunk).not.toMatch(LONE_SURROGATE);
      }
    }
    expect(splitMessage(`a${'😀'.repeat(2100)}`)[0]).toHaveLength(3999);
  });

  it('moves a code block that fits whole to the next chunk', () => {
    const code = `\`\`\`js\n${'const a = 1;\n\nconst b = 2;\n'.repeat(100)}\`\`\``;
    const text = `${words(550, 3)}\n\n${code}\n\nafter`;
    const chunks = splitMessage(text);
    expect(chunks).toEqual([words(550, 3), `${code}\n\nafter`]);
  });

  it('closes and reopens a 9,000-character code block with its language', () => {
    const body = Array.from({ length: 500 }, (_, index) => `print("line ${String(index).padStart(4, '0')}")`).join('\n');
    const text = `Here is the code:\n\n\`\`\`python\n${body}\n\`\`\`\n\nDone.`;
    expect(body.length).toBeGreaterThan(9000);
    const chunks = splitMessage(text);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const [index, chunk] of chunks.entries()) {
      expect(chunk.length).toBeLessThanOrEqual(4000);
      expect(endsInsideCode(chunk), `chunk ${index}`).toBe(false);
      if (index > 0 && index < chunks.length - 1) expect(chunk.startsWith('```python\nprint(')).toBe(true);
    }
    expect(chunks.at(-1)?.endsWith('Done.')).toBe(true);
    expect(isReassembly(text, chunks)).toBe(true);
  });

  it('hard-cuts a code line longer than a chunk and keeps it inside fences', () => {
    const text = `\`\`\`\n${'y'.repeat(9000)}\n\`\`\``;
    const chunks = splitMessage(text);
    expect(chunks).toHaveLength(3);
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^```\ny+\n```$/);
      expect(chunk.length).toBeLessThanOrEqual(4000);
    }
    expect(isReassembly(text, chunks)).toBe(true);
  });

  it('rejects a chunk size too small to hold a reopened fence', () => {
    expect(() => splitMessage('text', 10)).toThrow(RangeError);
  });

  it('keeps every chunk within the limit and gives back the text for random inputs', () => {
    const random = createRandom(99);
    let checked = 0;
    for (let run = 0; run < 400; run += 1) {
      const text = randomMarkdown(random, 20 + Math.floor(random() * 400));
      const maxChars = 64 + Math.floor(random() * 400);
      const chunks = splitMessage(text, maxChars);
      const context = JSON.stringify({ text, maxChars });
      expect(isReassembly(text, chunks), context).toBe(true);
      for (const chunk of chunks) {
        expect(chunk.length, context).toBeLessThanOrEqual(maxChars);
        expect(chunk.trim(), context).not.toBe('');
        expect(chunk, context).not.toMatch(LONE_SURROGATE);
      }
      // A fence line nearly as long as a chunk cannot be kept whole; it is cut like text.
      const hugeFence = text.split('\n').some((line) => /^ {0,3}(?:```|~~~)/.test(line) && line.length + 24 > maxChars);
      if (!endsInsideCode(text) && !hugeFence) {
        checked += 1;
        for (const chunk of chunks) expect(endsInsideCode(chunk), context).toBe(false);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
