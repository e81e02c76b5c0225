import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeError, isAppError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { acquireAuthLock, isProcessAlive, readBootId, type AuthLock } from './auth-lock.js';
import { loadBaileys } from './baileys-socket.js';
import { resolveBridgeToken } from './bridge-token.js';
import { startBridge, type Bridge } from './create-bridge.js';
import { createQrPrinter } from './print-qr.js';

const log = createLogger({ name: 'nanobot-whatsapp-bridge', level: process.env.LOG_LEVEL });

async function loadOrExit(): Promise<LoadedConfig> {
  try {
    return await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }
}

/** nanobot's BRIDGE_PORT wins; else the port of channels.whatsapp.bridgeUrl; else 3001. */
function portOf(bridgeUrl: string, env: string | undefined): number {
  const fromEnv = Number.parseInt(env ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65536) return fromEnv;
  const fromUrl = Number.parseInt(new URL(bridgeUrl).port, 10);
  return Number.isInteger(fromUrl) ? fromUrl : 3001;
}

async function main(): Promise<void> {
  const loaded = await loadOrExit();
  const settings = loaded.config.channels.whatsapp;
  const home = loaded.nanobotHome;
  const authDir = join(home, 'whatsapp-auth');
  const stateDir = join(home, 'whatsapp-bridge');
  let lock: AuthLock;
  try {
    lock = await acquireAuthLock({ path: `${authDir}.lock`, pid: process.pid, isAlive: isProcessAlive, bootId: await readBootId() });
  } catch (err) {
    // Exiting lets pm2 retry with its backoff; once the other bridge is gone the lock is stale.
    log.fatal({ code: isAppError(err) ? err.code : 'INTERNAL' }, describeError(err));
    process.exit(1);
  }
  const { token, generated } = await resolveBridgeToken(settings.bridgeToken, join(stateDir, 'token'));
  if (generated) log.info({ path: join(stateDir, 'token') }, 'generated a bridge token (mode 0600)');
  const { createSocket, codec } = await loadBaileys(log);
  const bridge: Bridge = await startBridge({
    createSocket, codec, authDir, stateDir, mediaDir: join(home, 'media', 'whatsapp'),
    host: '127.0.0.1', port: portOf(settings.bridgeUrl, process.env.BRIDGE_PORT), token, log,
    printQr: await createQrPrinter((text) => process.stdout.write(text)),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping whatsapp bridge');
    await bridge.stop().catch((err: unknown) => log.warn({ err }, 'bridge did not stop cleanly'));
    await lock.release().catch((err: unknown) => log.warn({ err }, 'could not release the session lock'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  log.info({ port: bridge.port }, 'whatsapp bridge ready');
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'whatsapp bridge failed to start');
  process.exit(1);
});
