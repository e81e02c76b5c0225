import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PendingPairing } from './pairing-store.js';

/** nanobot keeps approvals in `<nanobot home>/pairing.json`; we keep the same file, in its format. */
export const pairingFileName = 'pairing.json';

export type PairingFile = {
  approved: Record<string, string[]>;
  pending: Record<string, { channel: string; sender_id: string; created_at: number; expires_at: number }>;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The approvals in nanobot's pairing.json; a missing file is empty, and so is a broken one,
 * as in nanobot (which resets it): the Redis copy stays the one the workers read.
 */
export async function readPairingFile(nanobotHome: string): Promise<PairingFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(nanobotHome, pairingFileName), 'utf8'));
  } catch {
    return { approved: {}, pending: {} };
  }
  const approved: Record<string, string[]> = {};
  if (isRecord(raw) && isRecord(raw.approved)) {
    for (const [channel, senders] of Object.entries(raw.approved)) {
      if (Array.isArray(senders)) approved[channel] = senders.map(String);
    }
  }
  const pending = isRecord(raw) && isRecord(raw.pending) ? (raw.pending as PairingFile['pending']) : {};
  return { approved, pending };
}

/** Writes the file whole (temporary file, then rename), mode 0600: it lists who may talk to the bot. */
export async function writePairingFile(nanobotHome: string, approved: Record<string, string[]>, pending: PendingPairing[]): Promise<void> {
  const file: PairingFile = {
    approved,
    pending: Object.fromEntries(
      pending.map((p) => [p.code, { channel: p.channel, sender_id: p.sender, created_at: p.createdAt / 1000, expires_at: p.expiresAt / 1000 }]),
    ),
  };
  const path = join(nanobotHome, pairingFileName);
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

/** At a worker's start: approvals made by nanobot itself (or before Redis was wiped) are kept. */
export async function importPairingFile(store: { addApproved(channel: string, senders: string[]): Promise<void> }, nanobotHome: string): Promise<number> {
  const file = await readPairingFile(nanobotHome);
  let count = 0;
  for (const [channel, senders] of Object.entries(file.approved)) {
    await store.addApproved(channel, senders);
    count += senders.length;
  }
  return count;
}
