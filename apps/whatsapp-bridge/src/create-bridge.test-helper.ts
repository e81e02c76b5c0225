import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nanobot/log';
import { startBridge, type Bridge, type BridgeOptions } from './create-bridge.js';
import { createFakeSocketFactory } from './fake-wa-socket.test-helper.js';
import type { AuthCodec } from './file-auth-state.js';

export const token = 'test-bridge-token';
export const jsonCodec: AuthCodec = {
  replacer: (_key, value) => value,
  reviver: (_key, value) => value,
  initCreds: () => ({ registered: false, fresh: true }),
};

export type BridgeFixture = {
  dir: string;
  sockets: ReturnType<typeof createFakeSocketFactory>;
  bridge: Bridge;
  url: string;
  /** Stops the bridge and starts a new one on the same directories (a process restart). */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
};

/** A bridge on a free loopback port with a fake Baileys socket and a temporary NANOBOT_HOME. */
export async function startBridgeFixture(overrides: Partial<BridgeOptions> = {}): Promise<BridgeFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-bridge-'));
  const sockets = createFakeSocketFactory();
  const options = (port: number): BridgeOptions => ({
    createSocket: sockets.factory, codec: jsonCodec,
    authDir: join(dir, 'whatsapp-auth'), stateDir: join(dir, 'whatsapp-bridge'), mediaDir: join(dir, 'media', 'whatsapp'),
    allowFrom: ['*'], host: '127.0.0.1', port, token, log: createLogger({ name: 'bridge-test', level: 'silent' }),
    reconnectBaseMs: 40, reconnectMaxMs: 200, ...overrides,
  });
  const fixture: BridgeFixture = {
    dir, sockets,
    bridge: await startBridge(options(0)),
    url: '',
    async restart() {
      const port = fixture.bridge.port;
      await fixture.bridge.stop();
      fixture.bridge = await startBridge(options(port));
    },
    async cleanup() {
      await fixture.bridge.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  fixture.url = `ws://127.0.0.1:${fixture.bridge.port}`;
  return fixture;
}
