import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@nanobot/log';
import { parseClientFrame, type BridgeFrame, type ClientFrame } from './bridge-frames.js';

export type BridgeClient = {
  readonly id: number;
  /** Acknowledges message frames (our client); nanobot's Python client does not. */
  readonly acks: boolean;
  /** Observers (e.g. `nanobot channels login`) get status and QR frames, never messages. */
  readonly role: 'consumer' | 'observer';
  /** Resolves when the frame was written to the socket (not when it was received: design-notes L14). */
  send(frame: BridgeFrame): Promise<void>;
};

export type BridgeServerOptions = {
  host: string;
  port: number;
  token: string;
  log: Logger;
  authTimeoutMs?: number;
  /** Pings clients this often and terminates one that did not answer the previous ping. */
  heartbeatMs?: number;
  onAuthenticated(client: BridgeClient): void;
  onFrame(client: BridgeClient, frame: Exclude<ClientFrame, { type: 'auth' }>): void;
};

export type BridgeServer = {
  readonly port: number;
  clients(): BridgeClient[];
  broadcast(frame: BridgeFrame, to?: (client: BridgeClient) => boolean): void;
  close(): Promise<void>;
};

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

function toClient(ws: WebSocket, id: number, auth: Extract<ClientFrame, { type: 'auth' }>): BridgeClient {
  return {
    id,
    acks: auth.acks === true,
    role: auth.role ?? 'consumer',
    send: (frame) => new Promise((resolve, reject) => {
      ws.send(JSON.stringify(frame), (err) => (err ? reject(err) : resolve()));
    }),
  };
}

/**
 * The bridge's WebSocket server on loopback with nanobot's handshake: the first frame must
 * be {"type":"auth","token"} within 5 s (else close 4001 "Auth timeout"), a wrong token
 * closes 4003 "Invalid token", and a request with an Origin header (a browser page) is refused.
 */
export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const { log } = options;
  const wss = new WebSocketServer({
    host: options.host,
    port: options.port,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
    verifyClient: (info, done) => (info.origin ? done(false, 403, 'Origin not allowed') : done(true)),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', (err) => log.error({ err }, 'bridge server error'));
  const authenticated = new Map<WebSocket, BridgeClient>();
  const alive = new WeakSet<WebSocket>();
  let nextId = 1;

  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('error', (err) => log.debug({ err }, 'bridge client socket error'));
    const timer = setTimeout(() => ws.close(4001, 'Auth timeout'), options.authTimeoutMs ?? 5_000);
    ws.on('close', () => {
      clearTimeout(timer);
      authenticated.delete(ws);
    });
    ws.on('message', (data) => {
      const frame = parseClientFrame(data.toString());
      const client = authenticated.get(ws);
      if (client === undefined) {
        clearTimeout(timer);
        if (frame?.type !== 'auth' || !sameToken(frame.token, options.token)) {
          log.warn('bridge client sent an invalid token, closing');
          ws.close(4003, 'Invalid token');
          return;
        }
        const added = toClient(ws, nextId++, frame);
        authenticated.set(ws, added);
        log.info({ client: added.id, acks: added.acks, role: added.role }, 'bridge client authenticated');
        options.onAuthenticated(added);
        return;
      }
      if (frame === undefined || frame.type === 'auth') {
        void client.send({ type: 'error', error: 'invalid frame' }).catch(() => undefined); // client gone: nothing to tell
        return;
      }
      options.onFrame(client, frame);
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeatMs ?? 30_000);

  return {
    port: (wss.address() as AddressInfo).port,
    clients: () => [...authenticated.values()],
    broadcast(frame, to = () => true) {
      for (const client of authenticated.values()) {
        if (!to(client)) continue;
        client.send(frame).catch((err: unknown) => log.debug({ err, client: client.id }, 'could not write a frame to a client'));
      }
    },
    async close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
