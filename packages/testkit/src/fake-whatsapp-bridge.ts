import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  FakeLinkState, FakeSendFault, FakeWhatsappBridge, FakeWhatsappBridgeOptions, FakeWhatsappMessage, FakeWhatsappSend,
} from './fake-whatsapp-types.js';

export type * from './fake-whatsapp-types.js';
export { createWhatsappTraffic } from './fake-whatsapp-traffic.js';
export type { WhatsappTraffic } from './fake-whatsapp-traffic.js';
export { withFakeWhatsapp } from './fake-whatsapp-config.js';

type Frame = Record<string, unknown> & { deliveryId: string };
type Client = { ws: WebSocket; acks: boolean; sent: Set<string> };

async function waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline) throw new Error(`waitFor: condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A `send_media` frame as a send record: the file is read now, as the bridge uploads it. */
function toMediaSend(frame: Record<string, unknown>): { id?: string; to: string; text: string; media: NonNullable<FakeWhatsappSend['media']> } {
  const filePath = String(frame.filePath ?? '');
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(filePath);
  } catch {
    bytes = undefined; // a missing file is recorded without bytes; the test sees it
  }
  return {
    ...(typeof frame.id === 'string' ? { id: frame.id } : {}),
    to: String(frame.to ?? ''),
    text: '',
    media: {
      filePath,
      mimetype: String(frame.mimetype ?? ''),
      ...(typeof frame.caption === 'string' ? { caption: frame.caption } : {}),
      ...(typeof frame.fileName === 'string' ? { fileName: frame.fileName } : {}),
      ...(bytes === undefined ? {} : { bytes }),
    },
  };
}

/** How late a `slow-ack` send is acknowledged. */
const slowAckMs = 700;

const toJid = (chat: string) => (chat.includes('@') ? chat : `${chat.replace(/^\+/, '')}@s.whatsapp.net`);

/**
 * A protocol-level fake of the WhatsApp bridge (apps/whatsapp-bridge/README.md, "Protocol") on
 * 127.0.0.1: token handshake, message frames with delivery ids resent until acknowledged, sends
 * deduplicated by id and acknowledged, plus switches for dead pings, dropped links, restarts and
 * crashes around a send. Pending frames and delivered send ids survive restart(), as the real
 * bridge keeps them on disk.
 */
export async function startFakeWhatsappBridge(options: FakeWhatsappBridgeOptions = {}): Promise<FakeWhatsappBridge> {
  const token = options.token ?? `fake-${randomBytes(8).toString('hex')}`;
  const pending: Frame[] = [];
  const acked: string[] = [];
  const deliveries = new Map<string, number>();
  const sends: FakeWhatsappSend[] = [];
  const sent: FakeWhatsappSend[] = [];
  const sentIds = new Set<string>();
  const clients = new Set<Client>();
  const faults: FakeSendFault[] = [];
  let pongs = true;
  let authenticated = 0;
  let seq = 0;
  let port = options.port ?? 0;
  let wss: WebSocketServer | undefined;

  const write = (client: Client, frame: Record<string, unknown>) => client.ws.send(JSON.stringify(frame));
  const deliver = (client: Client, frame: Frame) => {
    if (client.sent.has(frame.deliveryId)) return;
    client.sent.add(frame.deliveryId);
    deliveries.set(frame.deliveryId, (deliveries.get(frame.deliveryId) ?? 0) + 1);
    write(client, frame);
    if (!client.acks) ack(frame.deliveryId);
  };
  const ack = (deliveryId: string) => {
    const index = pending.findIndex((f) => f.deliveryId === deliveryId);
    if (index < 0) return;
    pending.splice(index, 1);
    acked.push(deliveryId);
  };

  function onSend(client: Client, frame: { id?: string; to: string; text: string; media?: FakeWhatsappSend['media'] }): void {
    const record: FakeWhatsappSend = {
      ...(frame.id === undefined ? {} : { id: frame.id }), to: frame.to, text: frame.text, at: Date.now(), ...(frame.media === undefined ? {} : { media: frame.media }),
    };
    sends.push(record);
    const fault = faults.shift();
    if (fault === 'unavailable') return write(client, { type: 'error', error: 'whatsapp is not connected', id: frame.id, code: 'unavailable' });
    if (fault === 'crash-before-send') return void bridge.restart();
    if (frame.id === undefined || !sentIds.has(frame.id)) {
      if (frame.id !== undefined) sentIds.add(frame.id);
      sent.push(record);
    }
    if (fault === 'crash-after-send') return void bridge.restart();
    const answer = () => {
      if (!clients.has(client)) return; // the link dropped meanwhile: the ack is lost, as on a real bridge
      write(client, { type: 'sent', to: frame.to, ...(frame.id === undefined ? {} : { id: frame.id }) });
      if (frame.id !== undefined) write(client, { type: 'ack', id: frame.id });
    };
    if (fault === 'slow-ack') setTimeout(answer, slowAckMs);
    else answer();
  }

  /** What the bridge says about its WhatsApp link: connected, waiting for a QR scan, or logged out. */
  let link: { state: FakeLinkState; qr?: string } = { state: 'connected' };
  function announceLink(client: Client): void {
    if (link.state === 'connected') return write(client, { type: 'status', status: 'connected' });
    write(client, { type: 'status', status: link.state === 'qr' ? 'disconnected' : 'logged_out' });
    if (link.state === 'qr' && link.qr !== undefined) write(client, { type: 'qr', qr: link.qr });
  }

  function onMessage(ws: WebSocket, client: Client | undefined, data: string): Client | undefined {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(data) as Record<string, unknown>;
    } catch {
      ws.close(4003, 'Invalid token'); // garbage before auth; after auth the real bridge answers an error
      return client;
    }
    if (client === undefined) {
      if (frame.type !== 'auth' || frame.token !== token) {
        ws.close(4003, 'Invalid token');
        return undefined;
      }
      const added: Client = { ws, acks: frame.acks === true, sent: new Set() };
      clients.add(added);
      authenticated += 1;
      announceLink(added);
      if (frame.role !== 'observer') for (const f of [...pending]) deliver(added, f);
      return added;
    }
    if (frame.type === 'login' && link.state === 'logged_out') {
      link = { state: 'qr', qr: link.qr ?? 'FAKE-QR-AFTER-LOGIN' };
      for (const c of clients) announceLink(c);
    }
    if (frame.type === 'ack' && typeof frame.id === 'string') ack(frame.id);
    if (frame.type === 'send') onSend(client, frame as { id?: string; to: string; text: string });
    if (frame.type === 'send_media') onSend(client, toMediaSend(frame));
    return client;
  }

  function listen(): Promise<void> {
    const server = new WebSocketServer({ host: '127.0.0.1', port, autoPong: false, perMessageDeflate: false });
    wss = server;
    server.on('connection', (ws) => {
      let client: Client | undefined;
      const timer = setTimeout(() => ws.close(4001, 'Auth timeout'), options.authTimeoutMs ?? 5_000);
      ws.on('ping', (payload) => (pongs ? ws.pong(payload) : undefined));
      ws.on('error', () => undefined); // clients vanish in fault tests; 'close' cleans up
      ws.on('message', (data) => {
        clearTimeout(timer);
        client = onMessage(ws, client, data.toString());
      });
      ws.on('close', () => {
        clearTimeout(timer);
        if (client !== undefined) clients.delete(client);
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  await listen();
  const bridge: FakeWhatsappBridge = {
    get url() {
      return `ws://127.0.0.1:${port}`;
    },
    token,
    get port() {
      return port;
    },
    injectMessage(message: FakeWhatsappMessage) {
      const chat = toJid(message.chat);
      const id = message.id ?? `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
      const isGroup = chat.endsWith('@g.us');
      const frame: Frame = {
        type: 'message', id, sender: chat, pn: isGroup ? (message.participant === undefined ? '' : toJid(message.participant)) : chat,
        ...(isGroup && message.participant !== undefined ? { participant: toJid(message.participant) } : {}),
        content: message.text, timestamp: Math.floor(Date.now() / 1000), isGroup,
        ...(isGroup ? { wasMentioned: message.wasMentioned ?? false } : {}),
        ...(message.media === undefined ? {} : { media: message.media }),
        deliveryId: `${chat}/${id}`, seq: ++seq, ...(message.catchUp ? { catchUp: true } : {}),
      };
      pending.push(frame);
      for (const client of clients) deliver(client, frame);
      return frame.deliveryId;
    },
    injectRawFrame(frame: Record<string, unknown>) {
      const deliveryId = frame.deliveryId;
      if (typeof deliveryId !== 'string') {
        for (const client of clients) write(client, frame);
        return undefined;
      }
      const tracked = { ...frame, deliveryId };
      pending.push(tracked);
      for (const client of clients) deliver(client, tracked);
      return deliveryId;
    },
    acked: () => [...acked],
    unacked: () => pending.map((f) => f.deliveryId),
    deliveries: () => new Map(deliveries),
    sends: () => [...sends],
    sent: () => [...sent],
    sentTo: (chat) => sent.filter((s) => toJid(s.to) === toJid(chat)),
    authenticatedConnections: () => authenticated,
    openConnections: () => clients.size,
    setPongs: (on) => void (pongs = on),
    failSends: (fault, count = 1) => void faults.push(...Array.from({ length: count }, () => fault)),
    setLink(state, qr) {
      link = { state, ...(qr === undefined ? {} : { qr }) };
      for (const client of clients) announceLink(client);
    },
    dropConnections: () => {
      for (const client of clients) client.ws.terminate();
    },
    async stop() {
      const server = wss;
      wss = undefined;
      if (server === undefined) return;
      for (const ws of server.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    start: () => (wss === undefined ? listen() : Promise.resolve()),
    async restart() {
      await bridge.stop();
      await bridge.start();
    },
    waitFor: waitUntil,
    close: () => bridge.stop(),
  };
  return bridge;
}
