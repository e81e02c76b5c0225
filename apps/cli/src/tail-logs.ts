import { open, stat } from 'node:fs/promises';

/** At most this much of a file's end is read for its last lines. */
const maxTailBytes = 8 * 1024 * 1024;

async function readRange(path: string, from: number, to: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

/** The last `count` lines of a file (none when it does not exist yet). */
export async function readLastLines(path: string, count: number): Promise<string[]> {
  const size = await stat(path).then((s) => s.size, () => -1);
  if (size <= 0 || count <= 0) return [];
  const from = Math.max(0, size - Math.min(maxTailBytes, count * 4096));
  const lines = (await readRange(path, from, size)).split('\n');
  if (from > 0) lines.shift(); // starts mid-line
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-count);
}

export type FollowOptions = { onLine: (path: string, line: string) => void; signal: AbortSignal; intervalMs?: number };

/**
 * Prints what is appended to each file from now on, polling its size (pm2 appends; a rotated
 * file shrinks and is read again from its start). Resolves when `signal` aborts.
 */
export async function followFiles(paths: string[], options: FollowOptions): Promise<void> {
  const state = new Map<string, { position: number; partial: string }>();
  for (const path of paths) state.set(path, { position: await stat(path).then((s) => s.size, () => 0), partial: '' });
  const look = async (): Promise<void> => {
    for (const [path, file] of state) {
      const size = await stat(path).then((s) => s.size, () => 0);
      if (size < file.position) file.position = 0;
      if (size === file.position) continue;
      const text = file.partial + (await readRange(path, file.position, size));
      file.position = size;
      const lines = text.split('\n');
      file.partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(path, line);
    }
  };
  while (!options.signal.aborted) {
    await look();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, options.intervalMs ?? 500);
      options.signal.addEventListener('abort', done, { once: true });
    });
  }
}
