import { describeError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { BridgeStatus } from './bridge-frames.js';
import type { FileAuthStore } from './file-auth-state.js';
import { closeCodeOf, closeCodes, type ConnectionUpdate, type SocketFactory, type UpsertType, type WaMessage, type WaSocket } from './wa-socket.js';

export type SessionEvents = {
  onStatus(status: BridgeStatus, detail?: string): void;
  onQr(qr: string): void;
  onMessages(messages: WaMessage[], type: UpsertType, socket: WaSocket): void;
};

export type SessionOptions = {
  createSocket: SocketFactory;
  auth: FileAuthStore;
  log: Logger;
  events: SessionEvents;
  now?: () => number;
  /** First reconnect delay (nanobot waits 5 s); doubles per failure up to `reconnectMaxMs`. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
};

export type WhatsappSession = {
  start(): void;
  /** After a logout: opens a fresh session, which shows a new QR code. No-op while connected. */
  login(): void;
  status(): BridgeStatus;
  socket(): WaSocket | undefined;
  stop(): void;
};

/**
 * Owns the one Baileys socket of the bridge (F7): a fresh socket per connection with its
 * listeners registered on it, events of a replaced socket ignored; reconnects with
 * backoff unless WhatsApp logged us out, which needs a new QR link ("re-link needed").
 */
export function createWhatsappSession(options: SessionOptions): WhatsappSession {
  const { log, events } = options;
  const now = options.now ?? Date.now;
  const baseMs = options.reconnectBaseMs ?? 5_000;
  const maxMs = options.reconnectMaxMs ?? 300_000;
  let current: WaSocket | undefined;
  let status: BridgeStatus = 'disconnected';
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const setStatus = (next: BridgeStatus, detail?: string) => {
    status = next;
    events.onStatus(next, detail);
  };

  function scheduleReconnect(delayMs: number, why: string): void {
    if (stopped) return;
    setStatus('disconnected', `${why}; reconnecting in ${Math.ceil(delayMs / 1000)}s`);
    log.warn({ delayMs, failures }, 'whatsapp connection closed, reconnecting');
    timer = setTimeout(() => void open(), delayMs);
  }

  async function onClose(update: ConnectionUpdate): Promise<void> {
    current = undefined;
    const code = closeCodeOf(update);
    if (code === closeCodes.loggedOut) {
      const movedTo = await options.auth.moveAside(now());
      log.error({ movedTo }, 'whatsapp logged this bridge out: re-link needed (nanobot channels login whatsapp)');
      setStatus('logged_out', 're-link needed: run `nanobot channels login whatsapp`');
      return;
    }
    if (code === closeCodes.restartRequired) return scheduleReconnect(0, 'restart required after pairing');
    failures += 1;
    scheduleReconnect(Math.min(baseMs * 2 ** Math.min(failures - 1, 16), maxMs), `closed with code ${code ?? 'unknown'}`);
  }

  function listen(socket: WaSocket, saveCreds: () => Promise<void>): void {
    socket.ev.on('creds.update', () => {
      saveCreds().catch((err: unknown) => log.error({ err }, 'could not save whatsapp credentials'));
    });
    socket.ev.on('connection.update', (update) => {
      if (socket !== current) return; // an old socket's late event
      if (update.qr !== undefined) {
        setStatus('qr');
        events.onQr(update.qr);
      }
      if (update.connection === 'open') {
        failures = 0;
        log.info({ user: socket.user?.id }, 'whatsapp connected');
        setStatus('connected');
      }
      if (update.connection === 'close') {
        onClose(update).catch((err: unknown) => {
          log.error({ err }, 'could not handle the whatsapp close');
          scheduleReconnect(maxMs, 'close handling failed');
        });
      }
    });
    socket.ev.on('messages.upsert', ({ messages, type }) => {
      if (socket === current) events.onMessages(messages, type, socket);
    });
  }

  async function open(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    setStatus('connecting');
    try {
      const auth = await options.auth.load();
      const socket = await options.createSocket(auth);
      current = socket;
      listen(socket, auth.saveCreds);
    } catch (err) {
      failures += 1;
      log.error({ err }, 'could not open a whatsapp socket');
      scheduleReconnect(Math.min(baseMs * 2 ** Math.min(failures - 1, 16), maxMs), describeError(err));
    }
  }

  return {
    start: () => void open(),
    login() {
      if (status !== 'logged_out') return;
      failures = 0;
      void open();
    },
    status: () => status,
    socket: () => (status === 'connected' ? current : undefined),
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      const socket = current;
      current = undefined;
      socket?.end(undefined);
    },
  };
}
