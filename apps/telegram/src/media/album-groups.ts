import type { Update } from 'grammy/types';

/** The album an update's message belongs to (chat and `media_group_id`), if any. */
export function albumKeyOf(update: Update): string | undefined {
  const message = update.message as { chat?: { id?: unknown }; media_group_id?: unknown } | undefined;
  const group = message?.media_group_id;
  return typeof group === 'string' && group !== '' ? `${String(message?.chat?.id)}/${group}` : undefined;
}

/**
 * A batch of updates as turns: the messages of one album (Telegram sends each photo of a media
 * group as its own update) together, at the place of the first; every other update alone.
 */
export function groupAlbums(updates: Update[]): Update[][] {
  const groups: Update[][] = [];
  const byAlbum = new Map<string, Update[]>();
  for (const update of updates) {
    const key = albumKeyOf(update);
    const known = key === undefined ? undefined : byAlbum.get(key);
    if (known !== undefined) {
      known.push(update);
      continue;
    }
    const group = [update];
    if (key !== undefined) byAlbum.set(key, group);
    groups.push(group);
  }
  return groups;
}

/**
 * Where to stop handling a batch whose last update belongs to an album: the rest of the album
 * may come with the next poll, so the batch is handled up to the album's first update and the
 * album is asked for again (unconfirmed, so nothing is lost meanwhile). Undefined: handle all.
 */
export function albumCut(updates: Update[]): number | undefined {
  const last = updates[updates.length - 1];
  const key = last === undefined ? undefined : albumKeyOf(last);
  if (key === undefined) return undefined;
  return updates.find((update) => albumKeyOf(update) === key)?.update_id;
}
