import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireAuthLock } from './auth-lock.js';

describe('the session lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nanobot-lock-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('refuses a second bridge while the first one runs', async () => {
    const path = join(dir, 'whatsapp-auth.lock');
    const first = await acquireAuthLock({ path, pid: 100, isAlive: () => true });
    await expect(acquireAuthLock({ path, pid: 200, isAlive: () => true })).rejects.toMatchObject({ code: 'CHANNEL_CONFLICT' });
    await first.release();
    const second = await acquireAuthLock({ path, pid: 200, isAlive: () => true });
    await second.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over the lock of a bridge that died', async () => {
    const path = join(dir, 'whatsapp-auth.lock');
    await writeFile(path, '4242\n');
    const lock = await acquireAuthLock({ path, pid: 300, isAlive: (pid) => pid !== 4242 });
    await lock.release();
  });

  it('takes over a lock written before a reboot even if its pid is alive again', async () => {
    const path = join(dir, 'whatsapp-auth.lock');
    await writeFile(path, '4242 boot-before\n');
    const lock = await acquireAuthLock({ path, pid: 300, isAlive: () => true, bootId: 'boot-now' });
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('still refuses a live bridge of the same boot', async () => {
    const path = join(dir, 'whatsapp-auth.lock');
    const first = await acquireAuthLock({ path, pid: 100, isAlive: () => true, bootId: 'boot-now' });
    await expect(acquireAuthLock({ path, pid: 200, isAlive: () => true, bootId: 'boot-now' })).rejects.toMatchObject({ code: 'CHANNEL_CONFLICT' });
    await first.release();
  });
});
