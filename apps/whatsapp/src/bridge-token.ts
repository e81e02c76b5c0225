import { readFile } from 'node:fs/promises';
import { AppError } from '@nanobot/core';

/**
 * The token for the bridge: `channels.whatsapp.bridgeToken`, else the one the bridge
 * generated in `path` (`$NANOBOT_HOME/whatsapp-bridge/token`, mode 0600).
 */
export async function readBridgeToken(configured: string, path: string): Promise<string> {
  if (configured.trim() !== '') return configured;
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored !== '') return stored;
  } catch (cause) {
    throw new AppError('CHANNEL_UNAVAILABLE', 'no bridge token yet: the bridge writes one on its first start', { cause, details: { path } });
  }
  throw new AppError('CHANNEL_UNAVAILABLE', 'the bridge token file is empty', { details: { path } });
}
