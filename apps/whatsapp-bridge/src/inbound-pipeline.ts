import { isAllowedWhatsappAuthor } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { MessageFrame } from './bridge-frames.js';
import type { BridgeClient } from './bridge-server.js';
import type { DeliveryOutbox, PendingDelivery } from './delivery-outbox.js';
import { saveMedia } from './save-media.js';
import { toIncoming, type Incoming, type SelfIdentity } from './to-incoming.js';
import type { UpsertType, WaMessage, WaSocket } from './wa-socket.js';

export type InboundPipelineOptions = {
  outbox: DeliveryOutbox;
  mediaDir: string;
  /** `channels.whatsapp.allowFrom`: only these senders' media is downloaded. */
  allowFrom: readonly string[];
  /** Larger media is not downloaded (`channels.whatsapp.maxMediaMb`). */
  maxMediaBytes: number;
  catchUpMaxAgeMs: number;
  log: Logger;
  now: () => number;
  consumers: () => BridgeClient[];
  /** The socket for read receipts, while connected. */
  socket: () => WaSocket | undefined;
};

/**
 * WhatsApp upserts → durable frames → clients. A frame is written to the outbox before any
 * client sees it; it leaves the outbox when a client acknowledges it (our worker), or once it
 * was written to a client that does not acknowledge (nanobot's Python client, best effort as
 * in nanobot). The read receipt is sent when it left the outbox: the blue ticks mean "queued".
 */
export function createInboundPipeline(options: InboundPipelineOptions) {
  const { outbox, log } = options;
  const claimed = new Set<string>();
  /** What each connection already got: a frame added while a client authenticates goes out once. */
  const sentOn = new WeakMap<BridgeClient, Set<string>>();
  let chain: Promise<void> = Promise.resolve();

  async function markRead(entry: PendingDelivery): Promise<void> {
    const socket = options.socket();
    if (socket === undefined) return;
    await socket.readMessages([entry.key]).catch((err: unknown) => log.debug({ err }, 'read receipt failed'));
  }

  async function delivered(deliveryId: string): Promise<void> {
    const entry = await outbox.ack(deliveryId);
    if (entry !== undefined) await markRead(entry);
  }

  function sendTo(client: BridgeClient, frame: MessageFrame): void {
    const sent = sentOn.get(client) ?? new Set<string>();
    sentOn.set(client, sent);
    if (sent.has(frame.deliveryId)) return;
    sent.add(frame.deliveryId);
    client.send(frame).then(
      () => (client.acks ? undefined : delivered(frame.deliveryId)),
      (err: unknown) => log.debug({ err, client: client.id }, 'frame not written, it stays pending'),
    ).catch((err: unknown) => log.error({ err }, 'could not record a delivery'));
  }

  /**
   * The media of an allowed sender, streamed to disk up to the cap; a note for the text when it
   * is not there. A stranger's media is never downloaded: the worker ignores the message anyway
   * (it gets the text, and decides with the same allowFrom rule).
   */
  async function fetchMedia(incoming: Incoming, message: WaMessage, socket: WaSocket): Promise<{ path?: string; note?: string }> {
    const media = incoming.media;
    if (media === undefined) return {};
    const ids = { messageId: incoming.messageId, kind: media.kind };
    if (!isAllowedWhatsappAuthor(options.allowFrom, incoming)) {
      log.debug(ids, 'media of a sender not in allowFrom, not downloaded');
      return {};
    }
    if (media.declaredBytes !== undefined && media.declaredBytes > options.maxMediaBytes) {
      log.info({ ...ids, bytes: media.declaredBytes, maxBytes: options.maxMediaBytes }, 'media over the size cap, not downloaded');
      return { note: `[${media.kind}: too large]` };
    }
    try {
      const saved = await saveMedia(options.mediaDir, incoming, await socket.downloadMedia(message), options.maxMediaBytes);
      if (saved.kind === 'saved') return { path: saved.path };
      log.info({ ...ids, maxBytes: options.maxMediaBytes }, 'media over the size cap, download abandoned');
      return { note: `[${media.kind}: too large]` };
    } catch (err) {
      log.warn({ err, ...ids }, 'media download failed, delivering the text only');
      return { note: `[${media.kind}: download failed]` };
    }
  }

  async function toFrame(incoming: Incoming, message: WaMessage, socket: WaSocket): Promise<Omit<MessageFrame, 'seq'>> {
    const fetched = await fetchMedia(incoming, message, socket);
    const media = fetched.path === undefined ? undefined : [fetched.path];
    const content = [incoming.content, fetched.note ?? ''].filter((s) => s !== '').join('\n');
    return {
      type: 'message', id: incoming.messageId, sender: incoming.sender, pn: incoming.pn,
      ...(incoming.participant === undefined ? {} : { participant: incoming.participant }),
      content, timestamp: incoming.timestamp, isGroup: incoming.isGroup,
      ...(incoming.isGroup ? { wasMentioned: incoming.wasMentioned } : {}),
      ...(media === undefined ? {} : { media }),
      deliveryId: `${incoming.chatJid}/${incoming.messageId}`,
      ...(incoming.catchUp ? { catchUp: true } : {}),
    };
  }

  async function accept(message: WaMessage, type: UpsertType, socket: WaSocket): Promise<void> {
    const verdict = toIncoming(message, { self: socket.user as SelfIdentity, type, nowMs: options.now(), catchUpMaxAgeMs: options.catchUpMaxAgeMs });
    if (verdict.kind === 'skip') {
      log.debug({ reason: verdict.reason, messageId: message.key.id }, 'upsert skipped');
      return;
    }
    const deliveryId = `${verdict.incoming.chatJid}/${verdict.incoming.messageId}`;
    if (outbox.seen(deliveryId) || claimed.has(deliveryId)) {
      log.debug({ deliveryId }, 'duplicate upsert dropped');
      return;
    }
    claimed.add(deliveryId);
    try {
      const frame = await outbox.add(await toFrame(verdict.incoming, message, socket), verdict.incoming.key);
      if (frame === undefined) return;
      log.info({ deliveryId, seq: frame.seq, catchUp: frame.catchUp === true }, 'whatsapp message queued for the worker');
      for (const client of options.consumers()) sendTo(client, frame);
    } finally {
      claimed.delete(deliveryId);
    }
  }

  return {
    /** Handles one upsert batch, after the previous one, keeping WhatsApp's order. */
    onUpsert(messages: WaMessage[], type: UpsertType, socket: WaSocket): Promise<void> {
      chain = chain.then(async () => {
        for (const message of messages) await accept(message, type, socket);
      }).catch((err: unknown) => log.error({ err }, 'could not store an incoming whatsapp message'));
      return chain;
    },
    /** A consumer connected: everything still pending goes to it, oldest first. */
    resendTo(client: BridgeClient): void {
      for (const entry of outbox.pending()) sendTo(client, entry.frame);
    },
    acknowledged: delivered,
    /** Settles once the upserts handed in so far are stored (or failed and logged). */
    idle: (): Promise<void> => chain,
  };
}
