import { open, readFile, unlink } from 'node:fs/promises';
import { AppError } from '@nanobot/core';

export type AuthLockOptions = {
  /** The lock file, e.g. `<authDir>.lock` (beside the auth dir, so the dir can be moved aside). */
  path: string;
  pid: number;
  /** Whether a process with this id still runs (process.kill(pid, 0) in production). */
  isAlive: (pid: number) => boolean;
};

export type AuthLock = { release(): Promise<void> };

async function tryCreate(path: string, pid: number): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(`${pid}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function holderOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * One bridge per WhatsApp session (RELIABILITY-NOTES F10): two sockets on the same
 * credentials kick each other out (close 440, "connection replaced") in a loop. The lock
 * is a file created with O_EXCL holding the owner's pid; a lock whose owner is gone
 * (kill -9, reboot) is stale and taken over.
 */
export async function acquireAuthLock(options: AuthLockOptions): Promise<AuthLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(options.path, options.pid)) {
      return {
        release: async () => {
          if ((await holderOf(options.path)) === options.pid) await unlink(options.path);
        },
      };
    }
    const holder = await holderOf(options.path);
    if (holder !== undefined && holder !== options.pid && options.isAlive(holder)) {
      throw new AppError('CHANNEL_CONFLICT', `the WhatsApp session is in use by bridge pid ${holder}`, {
        details: { lock: options.path, holder },
      });
    }
    // Stale (owner gone) or unreadable: remove it and try again; a racing bridge loses at O_EXCL.
    await unlink(options.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  throw new AppError('CHANNEL_CONFLICT', `could not take the WhatsApp session lock ${options.path}`);
}

/** process.kill(pid, 0) probes without signalling; EPERM means it exists but is not ours. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
