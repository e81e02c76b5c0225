import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { AuthCodec } from './file-auth-state.js';
import type { SocketFactory, WaMessage, WaSocket } from './wa-socket.js';

/** What we use of the `baileys` module (7.x, https://baileys.wiki). */
type BaileysSocket = Omit<WaSocket, 'downloadMedia'> & { updateMediaMessage(message: unknown): Promise<unknown> };
type BaileysModule = {
  makeWASocket(config: Record<string, unknown>): BaileysSocket;
  BufferJSON: { replacer(key: string, value: unknown): unknown; reviver(key: string, value: unknown): unknown };
  initAuthCreds(): unknown;
  makeCacheableSignalKeyStore(keys: unknown, logger: unknown): unknown;
  downloadMediaMessage(message: unknown, type: 'stream', options: object, ctx: object): Promise<AsyncIterable<Uint8Array>>;
  Browsers: { ubuntu(name: string): unknown };
  proto: { Message: { AppStateSyncKeyData: { fromObject(value: unknown): unknown } } };
};

/**
 * Loads Baileys at run time. The import is dynamic so that the bridge's own code and tests
 * build without it (tests use a fake socket); `baileys` must be installed in production.
 */
async function importBaileys(): Promise<BaileysModule> {
  const specifier = 'baileys';
  try {
    const loaded = (await import(specifier)) as BaileysModule & { default?: unknown };
    const makeWASocket = typeof loaded.makeWASocket === 'function' ? loaded.makeWASocket : (loaded.default as BaileysModule['makeWASocket']);
    return { ...loaded, makeWASocket };
  } catch (cause) {
    throw new AppError('CHANNEL_FATAL', 'the baileys package is not installed (npm install baileys@7 in apps/whatsapp-bridge)', { cause });
  }
}

/** The real socket factory and auth codec, backed by Baileys. */
export async function loadBaileys(log: Logger): Promise<{ createSocket: SocketFactory; codec: AuthCodec }> {
  const baileys = await importBaileys();
  // Baileys logs a lot at info; its warnings and errors are enough in our logs.
  const baileysLog = log.child({ module: 'baileys' }, { level: 'warn' });
  const codec: AuthCodec = {
    replacer: baileys.BufferJSON.replacer,
    reviver: baileys.BufferJSON.reviver,
    initCreds: () => baileys.initAuthCreds(),
    reviveKey: (type, value) => (type === 'app-state-sync-key' ? baileys.proto.Message.AppStateSyncKeyData.fromObject(value) : value),
  };
  const createSocket: SocketFactory = async (auth) => {
    const state = auth.state as { creds: unknown; keys: unknown };
    const sock = baileys.makeWASocket({
      auth: { creds: state.creds, keys: baileys.makeCacheableSignalKeyStore(state.keys, baileysLog) },
      logger: baileysLog,
      printQRInTerminal: false,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      browser: baileys.Browsers.ubuntu('nanobot'),
    });
    const socket: WaSocket = {
      ev: sock.ev,
      get user() {
        return sock.user;
      },
      sendMessage: (jid, content, options) => sock.sendMessage(jid, content, options),
      readMessages: (keys) => sock.readMessages(keys),
      end: (err) => sock.end(err),
      downloadMedia: (message: WaMessage) =>
        baileys.downloadMediaMessage(message, 'stream', {}, { logger: baileysLog, reuploadRequest: (m: unknown) => sock.updateMediaMessage(m) }),
    };
    return socket;
  };
  return { createSocket, codec };
}
