import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveBridgeToken } from './bridge-token.js';

describe('the bridge token', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nanobot-token-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('generates a token once, stores it with mode 0600 and reuses it', async () => {
    const path = join(dir, 'whatsapp-bridge', 'token');
    const first = await resolveBridgeToken('', path);
    expect(first.generated).toBe(true);
    expect(first.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await resolveBridgeToken('', path)).toEqual({ token: first.token, generated: false });
  });

  it('prefers the configured token', async () => {
    expect(await resolveBridgeToken('from-config', join(dir, 'token'))).toEqual({ token: 'from-config', generated: false });
  });
});
