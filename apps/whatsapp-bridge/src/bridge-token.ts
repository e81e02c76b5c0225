import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

/**
 * The bridge's shared secret: `channels.whatsapp.bridgeToken` when configured, else the one
 * stored in `path` (mode 0600), generated on first start. The worker reads the same file.
 */
export async function resolveBridgeToken(configured: string, path: string): Promise<{ token: string; generated: boolean }> {
  if (configured.trim() !== '') return { token: configured, generated: false };
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored !== '') return { token: stored, generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
