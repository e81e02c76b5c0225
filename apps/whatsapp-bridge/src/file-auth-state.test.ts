import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@nanobot/log';
import { jsonCodec } from './create-bridge.test-helper.js';
import { createFileAuthStore } from './file-auth-state.js';

type Keys = { get(type: string, ids: string[]): Promise<Record<string, unknown>>; set(data: Record<string, Record<string, unknown>>): Promise<void> };
type State = { creds: Record<string, unknown>; keys: Keys };

describe('the multi-file auth state', () => {
  let dir: string;
  const log = createLogger({ name: 'auth-test', level: 'silent' });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nanobot-auth-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('saves creds with mode 0600, keeps the previous version as a backup, and leaves no temp files', async () => {
    const store = createFileAuthStore({ dir, codec: jsonCodec, log });
    const auth = await store.load();
    const creds = (auth.state as State).creds;
    creds.me = 'first';
    await auth.saveCreds();
    creds.me = 'second';
    await Promise.all([auth.saveCreds(), auth.saveCreds(), auth.saveCreds()]);
    expect(JSON.parse(readFileSync(join(dir, 'creds.json'), 'utf8')).me).toBe('second');
    expect(existsSync(join(dir, 'creds.json.bak'))).toBe(true);
    expect(statSync(join(dir, 'creds.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('falls back to the backup when creds.json is torn', async () => {
    const store = createFileAuthStore({ dir, codec: jsonCodec, log });
    const auth = await store.load();
    (auth.state as State).creds.me = 'kept';
    await auth.saveCreds();
    await auth.saveCreds();
    writeFileSync(join(dir, 'creds.json'), '{"me": "ha'); // a crash of a non-atomic writer
    const reloaded = await createFileAuthStore({ dir, codec: jsonCodec, log }).load();
    expect((reloaded.state as State).creds.me).toBe('kept');
  });

  it('starts with fresh creds when there are none', async () => {
    const auth = await createFileAuthStore({ dir, codec: jsonCodec, log }).load();
    expect((auth.state as State).creds).toEqual({ registered: false, fresh: true });
  });

  it('stores, reads and deletes signal keys', async () => {
    const auth = await createFileAuthStore({ dir, codec: jsonCodec, log }).load();
    const keys = (auth.state as State).keys;
    await keys.set({ session: { '49123:1@s.whatsapp.net': { a: 1 }, other: { b: 2 } } });
    expect(await keys.get('session', ['49123:1@s.whatsapp.net', 'missing'])).toEqual({ '49123:1@s.whatsapp.net': { a: 1 } });
    await keys.set({ session: { other: null } });
    expect(await keys.get('session', ['other'])).toEqual({});
  });
});
