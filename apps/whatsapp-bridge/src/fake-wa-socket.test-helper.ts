import { Readable } from 'node:stream';
import type { SocketFactory, WaAuth, WaMessage, WaMessageKey, WaOutgoing, WaSendOptions, WaSocket, WaSocketEvents } from './wa-socket.js';

type Listener = (payload: never) => void;

export type FakeWaSocket = WaSocket & {
  auth: WaAuth;
  sent: Array<{ jid: string; content: WaOutgoing }>;
  /** The options of each send, in the order of `sent` (Baileys' `messageId`). */
  sendOptions: Array<WaSendOptions | undefined>;
  read: WaMessageKey[];
  ended: boolean;
  /** When set, sendMessage rejects with it. */
  failSends: Error | undefined;
  /** Keys of the messages whose media the bridge asked to download. */
  downloads: WaMessageKey[];
  /** The media every download streams (default 'fake-media-bytes'), or its size in bytes. */
  media: Buffer | number;
  /** Bytes the bridge actually pulled from download streams. */
  streamedBytes: number;
  /** When set, sendMessage records the message (WhatsApp took it) and never settles. */
  holdSends: boolean;
  emit<E extends keyof WaSocketEvents>(event: E, payload: WaSocketEvents[E]): void;
  open(): void;
  qr(code: string): void;
  /** Closes like WhatsApp does: a Boom-shaped error with the status code. */
  close(statusCode: number): void;
  upsert(messages: WaMessage[], type: 'notify' | 'append'): void;
};

/** A test double of a Baileys socket: tests drive its events; it records what the bridge did. */
export function createFakeSocket(auth: WaAuth): FakeWaSocket {
  const listeners = new Map<string, Listener[]>();
  const socket: FakeWaSocket = {
    auth,
    sent: [],
    sendOptions: [],
    read: [],
    ended: false,
    failSends: undefined,
    downloads: [],
    media: Buffer.from('fake-media-bytes'),
    streamedBytes: 0,
    holdSends: false,
    user: { id: '4900000000:3@s.whatsapp.net', lid: '111111111111111:3@lid' },
    ev: {
      on(event, listener) {
        listeners.set(event, [...(listeners.get(event) ?? []), listener as Listener]);
      },
    },
    async sendMessage(jid, content, options) {
      if (socket.failSends !== undefined) throw socket.failSends;
      socket.sent.push({ jid, content });
      socket.sendOptions.push(options);
      if (socket.holdSends) await new Promise(() => undefined);
      return { key: { id: options?.messageId ?? `out-${socket.sent.length}` } };
    },
    async readMessages(keys) {
      socket.read.push(...keys);
    },
    end() {
      socket.ended = true;
    },
    async downloadMedia(message) {
      socket.downloads.push(message.key);
      const media = socket.media;
      // Produced lazily in 64 KiB chunks, as a network download arrives.
      return Readable.from((function* chunks() {
        const total = typeof media === 'number' ? media : media.length;
        for (let at = 0; at < total; at += 65_536) {
          const size = Math.min(65_536, total - at);
          socket.streamedBytes += size;
          yield typeof media === 'number' ? Buffer.alloc(size, 1) : media.subarray(at, at + size);
        }
      })(), { objectMode: false });
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) (listener as (p: typeof payload) => void)(payload);
    },
    open: () => socket.emit('connection.update', { connection: 'open' }),
    qr: (code) => socket.emit('connection.update', { qr: code }),
    close: (statusCode) =>
      socket.emit('connection.update', { connection: 'close', lastDisconnect: { error: { output: { statusCode } } } }),
    upsert: (messages, type) => socket.emit('messages.upsert', { messages, type }),
  };
  return socket;
}

export function createFakeSocketFactory() {
  const sockets: FakeWaSocket[] = [];
  const factory: SocketFactory = async (auth) => {
    const socket = createFakeSocket(auth);
    sockets.push(socket);
    return socket;
  };
  return {
    factory,
    sockets,
    /** Waits until the n-th socket (1-based) exists, so its listeners are registered. */
    async socket(n: number, timeoutMs = 3_000): Promise<FakeWaSocket> {
      const deadline = Date.now() + timeoutMs;
      while (sockets.length < n) {
        if (Date.now() > deadline) throw new Error(`socket ${n} was never created (have ${sockets.length})`);
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setImmediate(r)); // let the session register its listeners
      return sockets[n - 1] as FakeWaSocket;
    },
  };
}

/** A text message as Baileys upserts it. */
export function textMessage(options: { chat: string; id: string; text: string; ts?: number; fromMe?: boolean; participant?: string }): WaMessage {
  return {
    key: { remoteJid: options.chat, id: options.id, fromMe: options.fromMe ?? false, ...(options.participant ? { participant: options.participant } : {}) },
    message: { conversation: options.text },
    messageTimestamp: options.ts ?? Math.floor(Date.now() / 1000),
  };
}
