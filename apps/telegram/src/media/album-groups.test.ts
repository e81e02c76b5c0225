import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { albumCut, groupAlbums } from './album-groups.js';

const update = (id: number, chat: number, group?: string): Update =>
  ({ update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: 'private' }, ...(group === undefined ? {} : { media_group_id: group }) } }) as unknown as Update;

describe('albums in a batch of updates', () => {
  it('puts the photos of one album together at the place of the first, other updates alone', () => {
    const batch = [update(1, 5), update(2, 5, 'a'), update(3, 6), update(4, 5, 'a'), update(5, 6, 'a')];
    expect(groupAlbums(batch).map((g) => g.map((u) => u.update_id))).toEqual([[1], [2, 4], [3], [5]]);
  });

  it('stops before an album that ends the batch, so the rest of it can come with the next poll', () => {
    expect(albumCut([update(1, 5), update(2, 5, 'a'), update(3, 5, 'a')])).toBe(2);
    expect(albumCut([update(2, 5, 'a'), update(3, 5)])).toBeUndefined();
    expect(albumCut([])).toBeUndefined();
  });
});
