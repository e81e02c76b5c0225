import { homedir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nanobot/log';
import { runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { acquireAuthLock, isProcessAlive, readBootId } from './auth-lock.js';
import { loadBaileys } from './baileys-socket.js';
import { resolveBridgeToken } from './bridge-token.js';
import { startBridge, type Bridge } from './create-bridge.js';
import { createQrPrinter } from './print-qr.js';

const log = createLogger({ name: 'nanobot-whatsapp-bridge', level: process.env.LOG_LEVEL });

/** nanobot's BRIDGE_PORT wins; else the port of channels.whatsapp.bridgeUrl; else 3001. */
function portOf(bridgeUrl: string, env: string | undefined): number {
  const fromEnv = Number.parseInt(env ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65536) return fromEnv;
  const fromUrl = Number.parseInt(new URL(bridgeUrl).port, 10);
  return Number.isInteger(fromUrl) ? fromUrl : 3001;
}

await runWorkerProcess({
  name: 'whatsapp bridge',
  port: toProcessPort(process, homedir()),
  log,
  create: async (loaded) => {
    const settings = loaded.config.channels.whatsapp;
    const home = loaded.nanobotHome;
    const authDir = join(home, 'whatsapp-auth');
    const stateDir = join(home, 'whatsapp-bridge');
    // A second bridge on the same session fails here (CHANNEL_CONFLICT) and exits; pm2 retries
    // with its backoff, and once the other bridge is gone its lock is stale.
    const lock = await acquireAuthLock({ path: `${authDir}.lock`, pid: process.pid, isAlive: isProcessAlive, bootId: await readBootId() });
    let bridge: Bridge | undefined;
    return {
      async start() {
        const { token, generated } = await resolveBridgeToken(settings.bridgeToken, join(stateDir, 'token'));
        if (generated) log.info({ path: join(stateDir, 'token') }, 'generated a bridge token (mode 0600)');
        const { createSocket, codec } = await loadBaileys(log);
        bridge = await startBridge({
          createSocket, codec, authDir, stateDir, mediaDir: join(home, 'media', 'whatsapp'),
          allowFrom: settings.allowFrom, maxMediaBytes: Math.round(settings.maxMediaMb * 1024 * 1024),
          host: '127.0.0.1', port: portOf(settings.bridgeUrl, process.env.BRIDGE_PORT), token, log,
          printQr: await createQrPrinter((text) => process.stdout.write(text)),
        });
        log.info({ port: bridge.port }, 'whatsapp bridge listening');
      },
      async stop() {
        await bridge?.stop().catch((err: unknown) => log.warn({ err }, 'bridge did not stop cleanly'));
        await lock.release().catch((err: unknown) => log.warn({ err }, 'could not release the session lock'));
      },
    };
  },
});
