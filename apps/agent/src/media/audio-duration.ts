import { open } from 'node:fs/promises';

/**
 * The length of an Ogg Opus file (a Telegram or WhatsApp voice note) in seconds: the granule
 * position of the last page, at Opus's fixed 48 kHz, less the pre-skip. Undefined for anything
 * else, or a file too short to say (https://www.rfc-editor.org/rfc/rfc7845#section-4).
 */
export async function oggOpusDurationS(path: string): Promise<number | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const start = Buffer.alloc(Math.min(size, 64));
    await file.read(start, 0, start.length, 0);
    const headAt = start.indexOf('OpusHead');
    if (start.subarray(0, 4).toString('latin1') !== 'OggS' || headAt === -1) return undefined;
    const preSkip = start.readUInt16LE(headAt + 10);
    const tailLength = Math.min(size, 64 * 1024);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    const last = tail.lastIndexOf('OggS');
    if (last === -1 || last + 14 > tail.length) return undefined;
    const granule = Number(tail.readBigUInt64LE(last + 6));
    return Math.max(0, granule - preSkip) / 48_000;
  } finally {
    await file.close();
  }
}
