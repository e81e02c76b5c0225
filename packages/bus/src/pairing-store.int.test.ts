import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { readPairingFile, writePairingFile } from './pairing-file.js';
import { createPairingStore, normalizePairingCode, pairingMaxPending } from './pairing-store.js';

describe('the pairing store', () => {
  let server: RedisServer;
  let redis: Redis;
  let clock = 1_000_000;
  const store = () => createPairingStore(redis, { now: () => clock });
  const ask = (sender: string, sourceId: string) => store().offer({ channel: 'telegram', sender, chatId: sender.split('|')[0] ?? sender, sourceId });

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });
  beforeEach(async () => {
    await redis.flushall();
    clock = 1_000_000;
  });

  it('gives a stranger one code in nanobot\'s format, and the same answer to a redelivered message', async () => {
    const first = await ask('42|alice', 'tg-1-10');
    expect(first).toMatchObject({ kind: 'issued', code: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/), expiresAt: clock + 600_000 });
    expect(await ask('42|alice', 'tg-1-10')).toEqual(first);
    const code = first.kind === 'issued' ? first.code : '';
    expect(await ask('42|alice', 'tg-1-11')).toEqual({ kind: 'pending', code });
    expect(await store().pending()).toMatchObject([{ code, channel: 'telegram', sender: '42|alice', chatId: '42' }]);
  });

  it('approves by code (any case, dash or not), after which the sender is approved by id', async () => {
    const offer = await ask('42|alice', 'tg-1-10');
    const code = offer.kind === 'issued' ? offer.code : '';
    expect(await store().approve(code.toLowerCase().replace('-', ''))).toMatchObject({ sender: '42|alice', channel: 'telegram' });
    expect(await store().isApproved('telegram', '42')).toBe(true);
    expect(await store().isApproved('whatsapp', '42')).toBe(false);
    expect(await store().isApproved('telegram', '4')).toBe(false);
    expect(await ask('42|alice_new_name', 'tg-1-12')).toEqual({ kind: 'approved' });
    expect(await store().approve(code)).toBeNull();
    expect(await store().approved()).toEqual({ telegram: ['42|alice'] });
    expect(await store().pending()).toEqual([]);
    expect(await store().revoke('telegram', '42')).toBe(1);
    expect(await store().isApproved('telegram', '42')).toBe(false);
  });

  it('ignores a denied sender: no new code, not approved', async () => {
    const offer = await ask('43', 'tg-1-20');
    const code = offer.kind === 'issued' ? offer.code : '';
    expect(await store().deny(code)).toMatchObject({ sender: '43' });
    expect(await ask('43', 'tg-1-21')).toEqual({ kind: 'denied' });
    expect(await store().approve(code)).toBeNull();
    expect(await store().isApproved('telegram', '43')).toBe(false);
  });

  it('lets a code expire, after which the sender may get a new one', async () => {
    const short = createPairingStore(redis, { now: () => clock, codeTtlS: 1 });
    const first = await short.offer({ channel: 'telegram', sender: '44', chatId: '44', sourceId: 'a' });
    await new Promise((r) => setTimeout(r, 1_100));
    clock += 1_100;
    expect(await short.pending()).toEqual([]);
    const second = await short.offer({ channel: 'telegram', sender: '44', chatId: '44', sourceId: 'b' });
    expect(second.kind).toBe('issued');
    expect(second).not.toEqual(first);
    if (first.kind === 'issued') expect(await short.approve(first.code)).toBeNull();
  });

  it('gives no code once too many strangers wait', async () => {
    for (let i = 0; i < pairingMaxPending; i += 1) expect((await ask(String(1000 + i), `s-${i}`)).kind).toBe('issued');
    expect(await ask('9999', 's-x')).toEqual({ kind: 'full' });
  });

  it('keeps nanobot\'s pairing.json: reads its approvals and writes them back in its format', async () => {
    const home = await mkdtemp(join(tmpdir(), 'nb-pairing-'));
    try {
      expect(await readPairingFile(home)).toEqual({ approved: {}, pending: {} });
      await writeFile(join(home, 'pairing.json'), JSON.stringify({ approved: { telegram: ['7|bob'] }, pending: {} }));
      const file = await readPairingFile(home);
      for (const [channel, senders] of Object.entries(file.approved)) await store().addApproved(channel, senders);
      expect(await store().isApproved('telegram', '7')).toBe(true);
      const offer = await ask('8', 'x');
      await writePairingFile(home, await store().approved(), await store().pending());
      const written = JSON.parse(await readFile(join(home, 'pairing.json'), 'utf8')) as { approved: unknown; pending: Record<string, unknown> };
      expect(written.approved).toEqual({ telegram: ['7|bob'] });
      if (offer.kind === 'issued') expect(written.pending[offer.code]).toMatchObject({ channel: 'telegram', sender_id: '8', expires_at: (clock + 600_000) / 1000 });
      expect((await stat(join(home, 'pairing.json'))).mode & 0o777).toBe(0o600);
      await writeFile(join(home, 'pairing.json'), '{broken');
      expect(await readPairingFile(home)).toEqual({ approved: {}, pending: {} });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('normalises codes', () => {
    expect(normalizePairingCode(' abcd-efgh ')).toBe('ABCD-EFGH');
    expect(normalizePairingCode('abcdefgh')).toBe('ABCD-EFGH');
  });
});
