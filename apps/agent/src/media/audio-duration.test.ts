import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oggOpusDurationS } from './audio-duration.js';

function ogg(granule: bigint, preSkip: number): Buffer {
  const page = (g: bigint, body: Buffer) => {
    const header = Buffer.alloc(27);
    header.write('OggS', 0, 'latin1');
    header.writeBigUInt64LE(g, 6);
    return Buffer.concat([header, body]);
  };
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head.writeUInt8(1, 8);
  head.writeUInt8(1, 9);
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(48_000, 12);
  return Buffer.concat([page(0n, head), Buffer.alloc(3000, 1), page(granule, Buffer.alloc(100, 2))]);
}

describe('the length of a voice note', () => {
  it('comes from the last Ogg page\'s granule position at 48 kHz, less the pre-skip', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ogg-'));
    await writeFile(join(dir, 'v.ogg'), ogg(48_000n * 150n + 312n, 312));
    expect(await oggOpusDurationS(join(dir, 'v.ogg'))).toBe(150);
  });

  it('is unknown for anything that is not Ogg Opus', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ogg-'));
    await writeFile(join(dir, 'a.mp3'), Buffer.from('ID3 not an ogg file at all'));
    expect(await oggOpusDurationS(join(dir, 'a.mp3'))).toBeUndefined();
  });
});
