import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nanobot/log';
import { createWriteQueue, readJsonFile, writeFileAtomic } from './atomic-write.js';
import type { WaAuth } from './wa-socket.js';

/** How Baileys' values become JSON and back (Baileys' BufferJSON and initAuthCreds in production). */
export type AuthCodec = {
  replacer: (key: string, value: unknown) => unknown;
  reviver: (key: string, value: unknown) => unknown;
  initCreds: () => unknown;
  /** Turns a stored key back into the object Baileys expects (e.g. a protobuf for app-state-sync-key). */
  reviveKey?: (type: string, value: unknown) => unknown;
};

export type FileAuthStore = {
  /** Reads creds and builds the key store; fresh creds (a new QR login) when there are none. */
  load(): Promise<WaAuth>;
  /** After a logout: moves the dead session aside (kept for inspection) and starts empty. */
  moveAside(now: number): Promise<string>;
  /** Settles once every write begun so far has settled (creds and keys on disk before exit). */
  flush(): Promise<void>;
};

type KeyData = Record<string, Record<string, unknown>>;

const fileNameOf = (name: string) => name.replace(/\//g, '__').replace(/:/g, '-');

/**
 * Multi-file auth state in `dir` (one file per credential and signal key, like Baileys'
 * useMultiFileAuthState) with every write atomic (temp + rename) and creds.json backed up
 * before it is replaced, so a crash mid-write never costs the session (F11).
 */
export function createFileAuthStore(options: { dir: string; codec: AuthCodec; log: Logger }): FileAuthStore {
  const { dir, codec, log } = options;
  const writes = createWriteQueue();
  const enqueue = writes.enqueue;
  const path = (name: string) => join(dir, fileNameOf(name));

  const write = (name: string, value: unknown, backup = false) =>
    enqueue(name, () => writeFileAtomic(path(name), JSON.stringify(value, codec.replacer), { mode: 0o600, backup }));
  const remove = (name: string) => enqueue(name, () => rm(path(name), { force: true }));

  async function readCreds(): Promise<unknown> {
    try {
      return await readJsonFile(path('creds.json'), codec.reviver);
    } catch (err) {
      log.error({ err }, 'creds.json is unreadable, using its backup');
      return readJsonFile(path('creds.json.bak'), codec.reviver);
    }
  }

  async function readKey(type: string, id: string): Promise<unknown> {
    try {
      const value = await readJsonFile(path(`${type}-${id}.json`), codec.reviver);
      return value === undefined || codec.reviveKey === undefined ? value : codec.reviveKey(type, value);
    } catch (err) {
      // A torn key file cannot come from our atomic writes; treat it as missing, Baileys renegotiates.
      log.warn({ err, type }, 'signal key file unreadable, treating it as missing');
      return undefined;
    }
  }

  return {
    async load() {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const creds = (await readCreds()) ?? codec.initCreds();
      const keys = {
        async get(type: string, ids: string[]) {
          const found: Record<string, unknown> = {};
          await Promise.all(ids.map(async (id) => {
            const value = await readKey(type, id);
            if (value !== undefined && value !== null) found[id] = value;
          }));
          return found;
        },
        async set(data: KeyData) {
          const writes: Promise<void>[] = [];
          for (const [type, entries] of Object.entries(data)) {
            for (const [id, value] of Object.entries(entries ?? {})) {
              const name = `${type}-${id}.json`;
              writes.push(value === null || value === undefined ? remove(name) : write(name, value));
            }
          }
          await Promise.all(writes);
        },
      };
      return { state: { creds, keys }, saveCreds: () => write('creds.json', creds, true) };
    },
    async moveAside(now) {
      const target = `${dir}.logged-out-${now}`;
      await rename(dir, target).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return target;
    },
    flush: () => writes.idle(),
  };
}
