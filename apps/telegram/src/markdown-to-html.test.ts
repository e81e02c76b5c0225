import { describe, expect, it } from 'vitest';
import { checkTelegramHtml, createRandom, randomMarkdown, visibleText } from './html-check.test-helper.js';
import { toTelegramHtml } from './markdown-to-html.js';

function render(markdown: string): string {
  const html = toTelegramHtml(markdown);
  expect(checkTelegramHtml(html), html).toEqual([]);
  return html;
}

describe('toTelegramHtml', () => {
  it('turns headers of every level into a bold line', () => {
    expect(render('# Title')).toBe('<b>Title</b>');
    expect(render('###### Deep **one** ##')).toBe('<b>Deep one</b>');
    expect(render('#hashtag')).toBe('#hashtag');
  });

  it('turns ** and __ into bold and * and _ into italic', () => {
    expect(render('**a** __b__ *c* _d_')).toBe('<b>a</b> <b>b</b> <i>c</i> <i>d</i>');
    expect(render('***both***')).toBe('<b><i>both</i></b>');
    expect(render('**bold with *italic* inside**')).toBe('<b>bold with <i>italic</i> inside</b>');
  });

  it('leaves markers inside words alone', () => {
    expect(render('snake_case_names and 2*3*4 stay')).toBe('snake_case_names and 2*3*4 stay');
    expect(render('这是**粗体**文字')).toBe('这是<b>粗体</b>文字');
  });

  it('turns ~~ into strikethrough', () => {
    expect(render('~~gone~~ ~kept~')).toBe('<s>gone</s> ~kept~');
  });

  it('links only http, https, tg and mailto URLs', () => {
    expect(render('[site](https://e.com/a_b?x=1&y="2")')).toBe('<a href="https://e.com/a_b?x=1&amp;y=&quot;2&quot;">site</a>');
    expect(render('[me](tg://user?id=42) [mail](mailto:a@b.c)')).toBe('<a href="tg://user?id=42">me</a> <a href="mailto:a@b.c">mail</a>');
    expect(render('[x](javascript:alert(1)) [y](/relative)')).toBe('[x](javascript:alert(1)) [y](/relative)');
  });

  it('keeps link text formatting but never puts code inside a link', () => {
    expect(render('[**b** `c`](https://e.com)')).toBe('<a href="https://e.com"><b>b</b> c</a>');
  });

  it('keeps bare URLs verbatim so their underscores are not emphasis', () => {
    expect(render('see https://x.com/_a_/b_ and **https://y.com**')).toBe('see https://x.com/_a_/b_ and <b>https://y.com</b>');
    expect(render('<https://x.com/a_b_c> and [w](https://w.org/Foo_(bar))')).toBe(
      'https://x.com/a_b_c and <a href="https://w.org/Foo_(bar)">w</a>',
    );
  });

  it('turns > lines into one blockquote with inline formatting', () => {
    expect(render('> first **b**\n>> second\nafter')).toBe('<blockquote>first <b>b</b>\nsecond</blockquote>\nafter');
  });

  it('turns - and * bullets into dots and keeps numbered lists and rules', () => {
    expect(render('- one\n  * two *i*\n1. first\n2. second')).toBe('• one\n  • two <i>i</i>\n1. first\n2. second');
    expect(render('---\n* * *')).toBe('---\n* * *');
  });

  it('renders fenced code with its language and does not interpret it', () => {
    const markdown = '```python\nif a < b and c > d: **x** _y_ [l](https://e.com) & `z`\n```';
    expect(render(markdown)).toBe(
      '<pre><code class="language-python">if a &lt; b and c &gt; d: **x** _y_ [l](https://e.com) &amp; `z`</code></pre>',
    );
    expect(render('~~~\n# not a header\n- nor a bullet\n~~~')).toBe('<pre><code># not a header\n- nor a bullet</code></pre>');
    expect(render('  ```sh\n  ls <dir>\n    cd x\n  ```')).toBe('<pre><code class="language-sh">ls &lt;dir&gt;\n  cd x</code></pre>');
  });

  it('treats an unclosed fence as code to the end', () => {
    expect(render('text\n```js\nlet a = 1 < 2;')).toBe('text\n<pre><code class="language-js">let a = 1 &lt; 2;</code></pre>');
  });

  it('does not interpret inline code', () => {
    expect(render('run `rm -rf <dir> && **x**` now')).toBe('run <code>rm -rf &lt;dir&gt; &amp;&amp; **x**</code> now');
    expect(render('``a ` b``')).toBe('<code>a ` b</code>');
    expect(render('**a `**` b**')).toBe('<b>a <code>**</code> b</b>');
  });

  it('renders a table as aligned columns inside pre', () => {
    const markdown = '| Name | Qty |\n|:-----|----:|\n| **apple** | 3 |\n| kiwi & co | 12 |';
    expect(render(markdown)).toBe('<pre>Name      | Qty\n----------+----\napple     | 3\nkiwi &amp; co | 12</pre>');
  });

  it('escapes HTML the model wrote and leaves unmatched markers as text', () => {
    expect(render('<b>hi</b> & **open *half _x')).toBe('&lt;b&gt;hi&lt;/b&gt; &amp; **open *half _x');
    expect(render('a ** b ** c')).toBe('a ** b ** c');
    expect(render('\\*literal\\* and \\_this\\_')).toBe('*literal* and _this_');
  });

  it('keeps emoji and other astral characters intact', () => {
    expect(render('**😀 👨‍👩‍👧** done')).toBe('<b>😀 👨‍👩‍👧</b> done');
  });

  it('gives valid Telegram HTML for hundreds of random inputs', () => {
    const random = createRandom(20240601);
    for (let run = 0; run < 600; run += 1) {
      const markdown = randomMarkdown(random, 1 + Math.floor(random() * 60));
      const html = toTelegramHtml(markdown);
      expect(checkTelegramHtml(html), JSON.stringify(markdown)).toEqual([]);
      // Rendering drops markup and a fence's info string; other words, even with underscores, survive.
      const outsideFenceLines = markdown.replace(/^ {0,3}(?:`{3,}|~{3,}).*$/gm, '');
      for (const word of ['word', 'Text', 'snake_case_name', '😀']) {
        const shown = visibleText(html).split(word).length;
        expect(shown, JSON.stringify(markdown)).toBeGreaterThanOrEqual(outsideFenceLines.split(word).length);
        expect(shown, JSON.stringify(markdown)).toBeLessThanOrEqual(markdown.split(word).length);
      }
    }
  });
});
