import { spawnSync } from 'node:child_process';
import { mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TinyDisk = {
  /** The mounted folder: give it to a process as its data directory. */
  readonly dir: string;
  /** Writes a filler file until the disk says ENOSPC: every later write of anyone fails. */
  fill(): Promise<void>;
  /** Removes the filler: the disk has room again. */
  free(): Promise<void>;
  /** Unmounts the disk and removes its folder (stop the processes using it first). */
  close(): Promise<void>;
};

const mount = (args: string[]) => {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (needs root): ${result.stderr || result.error?.message}`);
};

/**
 * A real, small filesystem (tmpfs of `sizeMb`) for disk-full tests: writes on it fail with
 * ENOSPC exactly as on a full disk, which no file permission trick reproduces. Needs root.
 */
export async function mountTinyDisk(sizeMb: number): Promise<TinyDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-disk-'));
  mount(['mount', '-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  return {
    dir,
    async fill() {
      const file = await open(filler, 'a');
      const block = Buffer.alloc(64 * 1024);
      try {
        for (;;) await file.write(block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        await file.close();
      }
    },
    async free() {
      await rm(filler, { force: true });
    },
    async close() {
      mount(['umount', dir]);
      await rmdir(dir);
    },
  };
}
