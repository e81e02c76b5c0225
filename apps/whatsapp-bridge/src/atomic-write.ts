import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type AtomicWriteOptions = {
  /** File mode of the new file (default 0o600: credentials and tokens). */
  mode?: number;
  /** Before replacing an existing file, keep a copy of it as `<path>.bak` (F11). */
  backup?: boolean;
};

/** Copies `path` to `<path>.bak` atomically; a missing file has nothing to back up. */
async function backupOf(path: string, mode: number): Promise<void> {
  let previous: Buffer;
  try {
    previous = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await writeFileAtomic(`${path}.bak`, previous, { mode });
}

/**
 * Writes a whole file so that a crash at any moment leaves either the old or the new
 * content, never a torn file (design-notes F11): write a temporary file in the same
 * directory, fsync it, then rename it over the target (rename is atomic within a file system).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  if (options.backup === true) await backupOf(path, mode);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined); // best effort: the rename error is what matters
    throw err;
  }
}

/** Reads a JSON file; undefined when it does not exist. */
export async function readJsonFile(path: string, reviver?: (key: string, value: unknown) => unknown): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text, reviver) as unknown;
}

export type WriteQueue = {
  /** Schedules `write` after the previous write of the same key settled. */
  enqueue(key: string, write: () => Promise<void>): Promise<void>;
  /** Settles once every write scheduled so far has settled (before a stop: nothing half done). */
  idle(): Promise<void>;
};

/** Serializes writes per file: the last write wins and no two renames of the same file race. */
export function createWriteQueue(): WriteQueue {
  const tails = new Map<string, Promise<void>>();
  function enqueue(key: string, write: () => Promise<void>): Promise<void> {
    const previous = tails.get(key) ?? Promise.resolve();
    // A failed write must not block later ones; its own caller sees the error.
    const next = previous.catch(() => undefined).then(write);
    tails.set(key, next);
    void next.finally(() => {
      if (tails.get(key) === next) tails.delete(key);
    }).catch(() => undefined); // the caller handles the rejection of `next`
    return next;
  }
  return {
    enqueue,
    // Each write's own caller sees its error; here only "settled" matters.
    idle: async () => void (await Promise.allSettled([...tails.values()])),
  };
}
