import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '@nanobot/core';
import { toChunks } from '../send-outbound.js';
import { fileKindOf, toFileGroups } from './media-chunks.js';

const reply = (text: string, media: string[], format: OutboundMessage['format'] = 'markdown'): OutboundMessage & { kind: 'reply' } => ({
  kind: 'reply', id: 'r', inReplyTo: 'i', channel: 'telegram', chatId: '1', text, format, media,
});

describe('a reply with files as Telegram sends', () => {
  it('chooses the method by type and puts photos and videos in a row into albums of up to ten', () => {
    expect(['a.PNG', 'b.mp4', 'c.ogg', 'd.mp3', 'e.pdf'].map(fileKindOf)).toEqual(['photo', 'video', 'voice', 'audio', 'document']);
    const twelve = Array.from({ length: 12 }, (_, i) => `p${i}.jpg`);
    expect(toFileGroups(['x.pdf', ...twelve, 'v.ogg']).map((g) => [g.kind, g.paths.length])).toEqual([
      ['document', 1], ['album', 10], ['album', 2], ['voice', 1],
    ]);
    expect(toFileGroups(['only.jpg'])).toEqual([{ kind: 'photo', paths: ['only.jpg'] }]);
  });

  it('makes a short text the first file\'s caption, rendered as HTML', () => {
    const chunks = toChunks(reply('a **bold** caption', ['a.png', 'b.pdf']));
    expect(chunks.map((c) => [c.files?.kind, c.html, c.plain])).toEqual([
      ['photo', 'a <b>bold</b> caption', 'a **bold** caption'],
      ['document', null, ''],
    ]);
  });

  it('keeps a caption within 1024 characters and sends the rest as messages after the files', () => {
    const text = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const chunks = toChunks(reply(text, ['a.png'], 'plain'));
    expect(chunks[0]!.files?.kind).toBe('photo');
    expect(chunks[0]!.plain.length).toBeLessThanOrEqual(1024);
    expect(chunks.slice(1).every((c) => c.files === undefined)).toBe(true);
    expect(chunks.map((c) => c.plain).join(' ').split(/\s+/)).toEqual(text.split(' '));
  });
});
