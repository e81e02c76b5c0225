import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '@nanobot/core';
import { toParts } from './media-parts.js';

const reply = (text: string, media?: string[]): OutboundMessage & { kind: 'reply' } => ({
  kind: 'reply', id: 'r', inReplyTo: 'i', channel: 'whatsapp', chatId: '49@s.whatsapp.net', text, format: 'plain', ...(media ? { media } : {}),
});

describe('a WhatsApp reply with files as frames', () => {
  it('sends each file with its type and the short text as the first one\'s caption', () => {
    expect(toParts(reply('look', ['/w/a.png', '/w/b.pdf']), 4000)).toEqual([
      { text: 'look', file: { filePath: '/w/a.png', mimetype: 'image/png', fileName: 'a.png' } },
      { text: '', file: { filePath: '/w/b.pdf', mimetype: 'application/pdf', fileName: 'b.pdf' } },
    ]);
  });

  it('sends the text after the files when it is long or the first file is audio, which shows no caption', () => {
    expect(toParts(reply('listen', ['/w/v.ogg']), 4000).map((p) => [p.text, p.file?.mimetype])).toEqual([['', 'audio/ogg; codecs=opus'], ['listen', undefined]]);
    const long = 'x'.repeat(1500);
    expect(toParts(reply(long, ['/w/a.jpg']), 4000).map((p) => p.text.length)).toEqual([0, 1500]);
  });

  it('is the text alone without files', () => {
    expect(toParts(reply('hi'), 4000)).toEqual([{ text: 'hi' }]);
  });
});
