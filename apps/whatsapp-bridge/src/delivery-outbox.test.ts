import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageFrame } from './bridge-frames.js';
import { createDeliveryOutbox } from './delivery-outbox.js';

const alice = '4911111111@s.whatsapp.net';
const frameOf = (id: string): Omit<MessageFrame, 'seq'> => ({
  type: 'message', id, sender: alice, pn: '', content: `text ${id}`, timestamp: 1, isGroup: false, deliveryId: `${alice}/${id}`,
});
const keyOf = (id: string) => ({ remoteJid: alice, id, fromMe: false });
const options = (path: string) => ({ path, now: () => 1_000, seenTtlMs: 60_000 });

describe('the delivery outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nb-outbox-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('shows a frame as pending only once it is on disk, so a resend never gives out a frame a restart would forget', async () => {
    const outbox = createDeliveryOutbox(options(join(dir, 'outbox.json')));
    const adding = outbox.add(frameOf('A1'), keyOf('A1'));
    expect(outbox.seen(`${alice}/A1`)).toBe(true); // a second announcement is dropped meanwhile
    expect(outbox.pending()).toEqual([]);
    const frame = await adding;
    expect(outbox.pending().map((p) => p.frame)).toEqual([frame]);

    const reloaded = createDeliveryOutbox(options(join(dir, 'outbox.json')));
    await reloaded.load();
    expect(reloaded.pending().map((p) => p.frame)).toEqual([frame]);
  });

  it('forgets a frame it could not store, so WhatsApp announcing it again is taken', async () => {
    const outbox = createDeliveryOutbox(options(join(dir, 'missing-dir', 'outbox.json')));
    await expect(outbox.add(frameOf('B1'), keyOf('B1'))).rejects.toThrow(/ENOENT/);
    expect(outbox.seen(`${alice}/B1`)).toBe(false);
    expect(outbox.pending()).toEqual([]);
  });

  it('waits in flush() for a write still in progress', async () => {
    const path = join(dir, 'outbox.json');
    const outbox = createDeliveryOutbox(options(path));
    void outbox.add(frameOf('C1'), keyOf('C1'));
    await outbox.flush();
    const reloaded = createDeliveryOutbox(options(path));
    await reloaded.load();
    expect(reloaded.pending().map((p) => p.frame.id)).toEqual(['C1']);
  });
});
