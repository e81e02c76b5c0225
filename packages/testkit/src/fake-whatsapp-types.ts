export type FakeWhatsappMessage = {
  /** Chat JID (`49…@s.whatsapp.net`, or `…@g.us` for a group) or a bare phone number. */
  chat: string;
  text: string;
  /** WhatsApp message id; generated when missing. */
  id?: string;
  /** Author's phone-number JID in a group; defaults to the chat for personal chats. */
  participant?: string;
  wasMentioned?: boolean;
  catchUp?: boolean;
  media?: string[];
};

/**
 * A `send` (or `send_media`) frame as the fake received it; a file's frame has `text` ''
 * and its `media`: the path, type, caption and the file's bytes, read when the frame came.
 */
export type FakeWhatsappSend = {
  id?: string;
  to: string;
  text: string;
  at: number;
  media?: { filePath: string; mimetype: string; caption?: string; fileName?: string; bytes?: Buffer };
};

/**
 * What the fake does with the next `send` frames:
 * - `crash-after-send`: WhatsApp gets the message, then the bridge restarts before acking;
 * - `crash-before-send`: the bridge restarts before WhatsApp got it;
 * - `unavailable`: answered with an `unavailable` error (WhatsApp disconnected);
 * - `slow-ack`: WhatsApp gets the message at once, the `sent` and `ack` frames come 700 ms later.
 */
export type FakeSendFault = 'crash-after-send' | 'crash-before-send' | 'unavailable' | 'slow-ack';

export type FakeWhatsappBridgeOptions = { token?: string; port?: number; authTimeoutMs?: number };

export type FakeLinkState = 'connected' | 'qr' | 'logged_out';

export type FakeWhatsappBridge = {
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Queues a message from WhatsApp; returns its delivery id. Delivered now or on the next connection. */
  injectMessage(message: FakeWhatsappMessage): string;
  /**
   * Sends any frame as it is, for example a message frame that breaks the protocol. One with a
   * string `deliveryId` is resent until acknowledged, like a message (returns that id); one
   * without is written once to the clients connected now.
   */
  injectRawFrame(frame: Record<string, unknown>): string | undefined;
  /** Delivery ids the client acknowledged, in order. */
  acked(): string[];
  /** Delivery ids not acknowledged yet. */
  unacked(): string[];
  /** How often each message frame was written to a client (resends included). */
  deliveries(): Map<string, number>;
  /** Every send frame received, duplicates included. */
  sends(): FakeWhatsappSend[];
  /** What WhatsApp users received: each send id once (the bridge dedupes by id), in order. */
  sent(): FakeWhatsappSend[];
  sentTo(chat: string): FakeWhatsappSend[];
  /** Clients that completed the handshake since start (reconnects count). */
  authenticatedConnections(): number;
  openConnections(): number;
  /** Stop (false) or resume answering WebSocket pings: a half-dead bridge. */
  setPongs(on: boolean): void;
  /** Applies `fault` to the next `count` send frames. */
  failSends(fault: FakeSendFault, count?: number): void;
  /**
   * The WhatsApp link the bridge reports (default connected): `qr` sends status
   * `disconnected` and the QR payload; `logged_out` waits for a client's `login` frame,
   * then shows a QR. Every change is announced to connected clients.
   */
  setLink(state: FakeLinkState, qr?: string): void;
  /** Terminates every client connection (the clients see a dropped link). */
  dropConnections(): void;
  /** The bridge process going away: the port is closed until start(). Pending frames are kept. */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};
