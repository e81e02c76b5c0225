import { open, readFile, unlink } from 'node:fs/promises';
import { AppError } from '@nanobot/core';

export type AuthLockOptions = {
  /** The lock file, e.g. `<authDir>.lock` (beside the auth dir, so the dir can be moved aside). */
  path: string;
  pid: number;
  /** Whether a process with this id still runs (process.kill(pid, 0) in production). */
  isAlive: (pid: number) => boolean;
  /**
   * This boot's id (Linux: /proc/sys/kernel/random/boot_id). A lock written before a
   * reboot is stale even if its pid now belongs to some other running process.
   */
  bootId?: string;
};

type Holder = { pid: number; bootId: string };

export type AuthLock = { release(): Promise<void> };

async function tryCreate(path: string, pid: number, bootId: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(`${pid} ${bootId}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function holderOf(path: string): Promise<Holder | undefined> {
  try {
    const [pidText = '', bootId = ''] = (await readFile(path, 'utf8')).trim().split(/\s+/);
    const pid = Number.parseInt(pidText, 10);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, bootId } : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * One bridge per WhatsApp session (design-notes F10): two sockets on the same
 * credentials kick each other out (close 440, "connection replaced") in a loop. The lock
 * is a file created with O_EXCL holding the owner's pid; a lock whose owner is gone
 * (kill -9, reboot) is stale and taken over.
 */
export async function acquireAuthLock(options: AuthLockOptions): Promise<AuthLock> {
  const bootId = options.bootId ?? '';
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(options.path, options.pid, bootId)) {
      return {
        release: async () => {
          if ((await holderOf(options.path))?.pid === options.pid) await unlink(options.path);
        },
      };
    }
    const holder = await holderOf(options.path);
    const sameBoot = holder === undefined || holder.bootId === '' || bootId === '' || holder.bootId === bootId;
    if (holder !== undefined && holder.pid !== options.pid && sameBoot && options.isAlive(holder.pid)) {
      throw new AppError('CHANNEL_CONFLICT', `the WhatsApp session is in use by bridge pid ${holder.pid}`, {
        details: { lock: options.path, holder: holder.pid },
      });
    }
    // Stale (owner gone) or unreadable: remove it and try again; a racing bridge loses at O_EXCL.
    await unlink(options.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  throw new AppError('CHANNEL_CONFLICT', `could not take the WhatsApp session lock ${options.path}`);
}

/** This boot's id on Linux, '' elsewhere (then only the pid is checked). */
export async function readBootId(): Promise<string> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
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
