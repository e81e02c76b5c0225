import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { BridgeFrame, BridgeStatus, SendFrame } from './bridge-frames.js';
import { startBridgeServer, type BridgeClient, type BridgeServer } from './bridge-server.js';
import { createDeliveryOutbox } from './delivery-outbox.js';
import { createFileAuthStore, type AuthCodec } from './file-auth-state.js';
import { createInboundPipeline } from './inbound-pipeline.js';
import { createSendLedger } from './send-ledger.js';
import { sendToWhatsapp } from './send-to-whatsapp.js';
import { createWhatsappSession } from './whatsapp-session.js';
import type { SocketFactory } from './wa-socket.js';

const hour = 3_600_000;

/** Catch-up messages (received while disconnected) older than this are not answered (F6). */
export const defaultCatchUpMaxAgeMs = 12 * hour;

export type BridgeOptions = {
  createSocket: SocketFactory;
  codec: AuthCodec;
  /** Credentials (`$NANOBOT_HOME/whatsapp-auth`). */
  authDir: string;
  /** Outbox and send ledger. */
  stateDir: string;
  mediaDir: string;
  /** `channels.whatsapp.allowFrom`: only these senders' media is downloaded. */
  allowFrom: readonly string[];
  /** Media larger than this is not downloaded (default 20 MB, `channels.whatsapp.maxMediaMb`). */
  maxMediaBytes?: number;
  host: string;
  port: number;
  token: string;
  log: Logger;
  printQr?: (qr: string) => void;
  catchUpMaxAgeMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  authTimeoutMs?: number;
  heartbeatMs?: number;
  now?: () => number;
};

export type Bridge = {
  readonly port: number;
  status(): BridgeStatus;
  stop(): Promise<void>;
};

/** Builds and starts the bridge: WhatsApp session ↔ durable outbox / send ledger ↔ WebSocket clients. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const { log } = options;
  const now = options.now ?? Date.now;
  const catchUpMaxAgeMs = options.catchUpMaxAgeMs ?? defaultCatchUpMaxAgeMs;
  const outbox = createDeliveryOutbox({ path: join(options.stateDir, 'outbox.json'), now, seenTtlMs: catchUpMaxAgeMs + 24 * hour });
  const ledger = createSendLedger({ path: join(options.stateDir, 'sends.json'), now, ttlMs: 7 * 24 * hour });
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  await Promise.all([outbox.load(), ledger.load()]);
  let server: BridgeServer | undefined;
  let lastStatus: { status: BridgeStatus; detail?: string } = { status: 'disconnected' };
  let lastQr: string | undefined;
  const broadcast = (frame: BridgeFrame) => server?.broadcast(frame);
  const consumers = () => server?.clients().filter((c) => c.role === 'consumer') ?? [];

  const auth = createFileAuthStore({ dir: options.authDir, codec: options.codec, log });
  const session = createWhatsappSession({
    createSocket: options.createSocket,
    auth,
    log, now, reconnectBaseMs: options.reconnectBaseMs, reconnectMaxMs: options.reconnectMaxMs,
    events: {
      onStatus: (status, detail) => {
        lastStatus = detail === undefined ? { status } : { status, detail };
        if (status !== 'qr') lastQr = undefined;
        broadcast({ type: 'status', ...lastStatus });
      },
      onQr: (qr) => {
        lastQr = qr;
        options.printQr?.(qr);
        broadcast({ type: 'qr', qr });
      },
      onMessages: (messages, type, socket) => void pipeline.onUpsert(messages, type, socket),
    },
  });
  const pipeline = createInboundPipeline({
    outbox, mediaDir: options.mediaDir, allowFrom: options.allowFrom, maxMediaBytes: options.maxMediaBytes ?? 20 * 1024 * 1024,
    catchUpMaxAgeMs, log, now, consumers, socket: () => session.socket(),
  });

  async function handleSend(client: BridgeClient, frame: SendFrame): Promise<void> {
    const reply = (f: BridgeFrame) => client.send(f).catch((err: unknown) => log.debug({ err }, 'client gone before the answer'));
    const send = () => sendToWhatsapp(session.socket(), frame);
    try {
      if (frame.id === undefined) await send();
      else await ledger.once(frame.id, send);
      await reply({ type: 'sent', to: frame.to, ...(frame.id === undefined ? {} : { id: frame.id }) });
      if (frame.id !== undefined) await reply({ type: 'ack', id: frame.id });
    } catch (err) {
      const code = isAppError(err, 'MESSAGE_INVALID') ? 'rejected' : 'unavailable';
      log.warn({ id: frame.id, code, err: describeError(err) }, 'send failed');
      await reply({ type: 'error', error: describeError(err), code, ...(frame.id === undefined ? {} : { id: frame.id }) });
    }
  }

  server = await startBridgeServer({
    host: options.host, port: options.port, token: options.token, log,
    authTimeoutMs: options.authTimeoutMs, heartbeatMs: options.heartbeatMs,
    onAuthenticated(client) {
      const hello = client.send({ type: 'status', ...lastStatus });
      const qr = lastQr;
      void hello.then(() => (qr === undefined ? undefined : client.send({ type: 'qr', qr }))).catch(() => undefined); // client gone
      if (client.role === 'consumer') pipeline.resendTo(client);
    },
    onFrame(client, frame) {
      switch (frame.type) {
        case 'ack':
          void pipeline.acknowledged(frame.id).catch((err: unknown) => log.error({ err }, 'could not record an ack'));
          return;
        case 'send':
        case 'send_media':
          void handleSend(client, frame);
          return;
        case 'login':
          session.login();
          return;
        default: {
          const never: never = frame;
          log.warn({ frame: never }, 'unknown client frame');
        }
      }
    },
  });
  session.start();
  const started = server;
  log.info({ port: started.port }, 'whatsapp bridge listening');
  return {
    port: started.port,
    status: () => session.status(),
    async stop() {
      session.stop();
      await started.close();
      // Nothing half written: an upsert being stored, an outbox, ledger or creds write.
      await pipeline.idle();
      await Promise.all([outbox.flush(), ledger.flush(), auth.flush()]);
    },
  };
}
