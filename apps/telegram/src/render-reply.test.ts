import { describe, expect, it } from 'vitest';
import { checkTelegramHtml, createRandom, isReassembly, randomMarkdown, visibleText } from './html-check.test-helper.js';
import { renderReply, visibleLength, type RenderedChunk } from './render-reply.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Everything Telegram requires of one message, asserted on every chunk. */
function expectSendable(chunks: readonly RenderedChunk[], context = ''): void {
  for (const { html, plain } of chunks) {
    expect(checkTelegramHtml(html), context).toEqual([]);
    const visible = visibleText(html);
    expect(visible.length, context).toBeLessThanOrEqual(4096);
    expect(visible.trim(), context).not.toBe('');
    expect(visibleLength(html), context).toBe(visible.length);
    expect(plain.length, context).toBeLessThanOrEqual(4096);
    expect(plain.trim(), context).not.toBe('');
    expect(html + plain, context).not.toMatch(LONE_SURROGATE);
  }
}

describe('renderReply', () => {
  it('returns nothing for an empty or blank reply', () => {
    expect(renderReply('')).toEqual([]);
    expect(renderReply('  \n\t\n ')).toEqual([]);
  });

  it('renders a short reply as one chunk with its raw text as fallback', () => {
    expect(renderReply('**Hi** <there> & `code`')).toEqual([
      { html: '<b>Hi</b> &lt;there&gt; &amp; <code>code</code>', plain: '**Hi** <there> & `code`' },
    ]);
  });

  it('splits a 10,000-character reply into sendable chunks that give back the text', () => {
    const paragraph = 'Some **bold** words, a [link](https://e.com/x_y) and `inline <code>` & more text. ';
    const text = Array.from({ length: 40 }, (_, index) => `## Part ${index}\n\n${paragraph.repeat(3)}`).join('\n\n');
    expect(text.length).toBeGreaterThan(10_000);
    const chunks = renderReply(text);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expectSendable(chunks);
    expect(chunks.every((chunk) => chunk.html.includes('<b>Part'))).toBe(true);
    expect(isReassembly(text, chunks.map((chunk) => chunk.plain))).toBe(true);
  });

  it('sends a 9,000-character code block as several complete pre blocks', () => {
    const body = Array.from({ length: 500 }, (_, index) => `if (a < ${index} && b > 0) { x(); }`).join('\n');
    const chunks = renderReply(`\`\`\`js\n${body}\n\`\`\``);
    expect(body.length).toBeGreaterThan(9000);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expectSendable(chunks);
    for (const { html } of chunks) expect(html).toMatch(/^<pre><code class="language-js">[^<]+<\/code><\/pre>$/);
    expect(chunks.map(({ html }) => visibleText(html)).join('\n')).toBe(body);
  });

  it('splits a chunk further when its table grows past the limit once aligned', () => {
    const rows = Array.from({ length: 400 }, (_, index) => `| ${index === 0 ? 'w'.repeat(120) : 'x'} | y |`);
    const text = `| name | value |\n|---|---|\n${rows.join('\n')}`;
    const chunks = renderReply(text);
    expectSendable(chunks);
    expect(chunks[0]?.html.startsWith('<pre>name')).toBe(true);
    expect(isReassembly(text, chunks.map((chunk) => chunk.plain))).toBe(true);
  });

  it('keeps a string of emoji near the limit whole', () => {
    const text = `${'😀'.repeat(2047)}a${'👍🏽'.repeat(200)}`;
    const chunks = renderReply(text);
    expectSendable(chunks);
    expect(chunks.map((chunk) => chunk.plain).join('')).toBe(text);
    expect(chunks.map((chunk) => chunk.html).join('')).toBe(text);
  });

  it('sends the raw text when the HTML would show nothing', () => {
    expect(renderReply('```\n```')).toEqual([{ html: '```\n```', plain: '```\n```' }]);
  });

  it('replaces a lone surrogate, which Telegram would reject', () => {
    expect(renderReply('bad \uD800 text')).toEqual([{ html: 'bad \uFFFD text', plain: 'bad \uFFFD text' }]);
  });

  it('gives sendable chunks for random replies up to 20,000 characters', () => {
    const random = createRandom(7);
    for (let run = 0; run < 120; run += 1) {
      const text = randomMarkdown(random, 1 + Math.floor(random() * (run % 4 === 0 ? 3000 : 200)));
      const chunks = renderReply(text);
      const context = JSON.stringify(text.slice(0, 300));
      expectSendable(chunks, context);
      expect(isReassembly(text, chunks.map((chunk) => chunk.plain)), context).toBe(true);
    }
  });
});
