import { describe, expect, it } from 'vitest';
import { parseTelegramHtml } from './telegram-html.js';

function visible(text: string): string {
  const result = parseTelegramHtml(text);
  if (!result.ok) throw new Error(`expected valid HTML, got: ${result.reason}`);
  return result.visibleText;
}

function reason(text: string): string {
  const result = parseTelegramHtml(text);
  if (result.ok) throw new Error(`expected a parse error, got visible text: ${result.visibleText}`);
  return result.reason;
}

describe('parseTelegramHtml', () => {
  it('returns plain text unchanged', () => {
    expect(visible('hello > world')).toBe('hello > world');
  });

  it('removes every supported tag and keeps their text', () => {
    const html =
      '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>x</s><strike>k</strike><del>d</del>' +
      '<span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler><a href="https://example.com/?a=1&amp;b=2">l</a>' +
      '<code>c</code><pre><code class="language-ts">const x = 1;</code></pre><blockquote>q</blockquote>' +
      '<blockquote expandable>w</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>';
    expect(visible(html)).toBe('bsieunxkdptlcconst x = 1;qw👍');
  });

  it('accepts properly nested tags and upper-case tag names', () => {
    expect(visible('<B>bold <i>both <u>all</u></i></B> plain')).toBe('bold both all plain');
  });

  it('decodes the four named entities and numeric entities', () => {
    expect(visible('&lt;b&gt; &amp; &quot;q&quot; &#65;&#x42;&#128512;')).toBe('<b> & "q" AB😀');
  });

  it('rejects an unknown tag with its name and byte offset', () => {
    expect(reason('ab <br> cd')).toBe('Unsupported start tag "br" at byte offset 3');
  });

  it('counts the byte offset in UTF-8 bytes', () => {
    expect(reason('é<p>x</p>')).toBe('Unsupported start tag "p" at byte offset 2');
  });

  it('rejects an unclosed tag', () => {
    expect(reason('<b>bold <i>both</i>')).toBe('Can\'t find end tag corresponding to start tag "b"');
  });

  it('rejects improperly nested tags, naming the tag it expected', () => {
    expect(reason('<b>bold <i>both</b></i>')).toBe('Unmatched end tag at byte offset 15, expected "</i>", found "</b>"');
  });

  it('rejects an end tag without a start tag', () => {
    expect(reason('text</b>')).toBe('Unexpected end tag at byte offset 4');
  });

  it('rejects a bare less-than sign that does not start a tag', () => {
    expect(reason('if a < b then')).toBe('Unsupported start tag "" at byte offset 5');
    expect(reason('1<2')).toBe('Unclosed start tag at byte offset 1');
  });

  it('rejects an ampersand that is not a supported entity', () => {
    expect(reason('Tom & Jerry')).toBe('Unsupported HTML entity at byte offset 4');
    expect(reason('&nbsp;')).toBe('Unsupported HTML entity at byte offset 0');
    expect(reason('&amp')).toBe('Unsupported HTML entity at byte offset 0');
    expect(reason('&#xD800;')).toBe('Unsupported HTML entity at byte offset 0');
  });

  it('rejects a span without the spoiler class and tg-emoji without an id', () => {
    expect(reason('<span class="red">x</span>')).toBe('Tag "span" must have class "tg-spoiler"');
    expect(reason('<tg-emoji>x</tg-emoji>')).toBe('Tag "tg-emoji" must have a numeric attribute "emoji-id"');
  });

  it('rejects an unterminated attribute value', () => {
    expect(reason('<a href="https://x>link</a>')).toBe('Unclosed start tag at byte offset 0');
  });

  it('counts each entity as one visible character', () => {
    const result = visible(`<b>${'&amp;'.repeat(4096)}</b>`);
    expect(result).toHaveLength(4096);
  });
});
