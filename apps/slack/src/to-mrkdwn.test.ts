import { describe, expect, it } from 'vitest';
import { toMrkdwn } from './to-mrkdwn.js';

describe('toMrkdwn', () => {
  it('turns Markdown emphasis, links and headings into mrkdwn', () => {
    expect(toMrkdwn('**bold** and *italic* and ~~gone~~')).toBe('*bold* and _italic_ and ~gone~');
    expect(toMrkdwn('see [the docs](https://example.com/a?b=1&c=2)')).toBe('see <https://example.com/a?b=1&c=2|the docs>');
    expect(toMrkdwn('# Title\ntext')).toBe('*Title*\ntext');
    expect(toMrkdwn('- one\n- two')).toBe('• one\n• two');
  });

  it('escapes &, < and > outside code and leaves code alone', () => {
    expect(toMrkdwn('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
    expect(toMrkdwn('run `a **b** <c>` now')).toBe('run `a **b** <c>` now');
    expect(toMrkdwn('```ts\nconst x = a && b;\n```')).toBe('```\nconst x = a && b;\n```');
  });

  it('turns a table into one line per row', () => {
    expect(toMrkdwn('| name | age |\n|---|---|\n| Ann | 3 |\n')).toBe('*name*: Ann · *age*: 3\n');
  });

  it('leaves plain text as it is', () => {
    expect(toMrkdwn('echo: sl-D000-1')).toBe('echo: sl-D000-1');
  });
});
