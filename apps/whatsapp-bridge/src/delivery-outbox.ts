import { createWriteQueue, readJsonFile, writeFileAtomic } from './atomic-write.js';
import type { MessageFrame } from './bridge-frames.js';
import type { WaMessageKey } from './wa-socket.js';

export type PendingDelivery = { frame: MessageFrame; key: WaMessageKey; addedAt: number };

type OutboxFile = { version: 1; nextSeq: number; pending: PendingDelivery[]; seen: Record<string, number> };

export type DeliveryOutbox = {
  load(): Promise<void>;
  /** True when this chat+message id was delivered or is pending (dedupe of catch-up and re-upserts). */
  seen(deliveryId: string): boolean;
  /** Persists a new frame (seq assigned here) before anyone sees it; undefined when already seen. */
  add(frame: Omit<MessageFrame, 'seq'>, key: WaMessageKey): Promise<MessageFrame | undefined>;
  /** Removes an acknowledged frame; returns it, or undefined when it was not pending. */
  ack(deliveryId: string): Promise<PendingDelivery | undefined>;
  /** Frames not yet acknowledged, oldest first; only those already on disk. */
  pending(): PendingDelivery[];
  /** Settles once every write begun so far has settled. */
  flush(): Promise<void>;
};

/**
 * The bridge's durable list of inbound frames that no worker has acknowledged yet, and the
 * ids it has already delivered. Written atomically on every change, so a bridge restart
 * resends what was not acknowledged and drops what was (the "Protocol" section of apps/whatsapp-bridge/README.md).
 * `seenTtlMs` must outlive the catch-up window, or an old catch-up message could come twice.
 */
export function createDeliveryOutbox(options: { path: string; now: () => number; seenTtlMs: number }): DeliveryOutbox {
  let state: OutboxFile = { version: 1, nextSeq: 1, pending: [], seen: {} };
  const writes = createWriteQueue();
  const persist = () => writes.enqueue('outbox', () => writeFileAtomic(options.path, JSON.stringify(state), { mode: 0o600 }));
  /** Added but not yet on disk: a client that connects meanwhile must not get them (resend). */
  const unsaved = new Set<string>();

  function prune(): void {
    const oldest = options.now() - options.seenTtlMs;
    const pendingIds = new Set(state.pending.map((p) => p.frame.deliveryId));
    for (const [id, at] of Object.entries(state.seen)) {
      if (at < oldest && !pendingIds.has(id)) delete state.seen[id];
    }
  }

  return {
    async load() {
      const stored = (await readJsonFile(options.path)) as OutboxFile | undefined;
      if (stored !== undefined && stored.version === 1) state = stored;
    },
    seen: (deliveryId) => state.seen[deliveryId] !== undefined,
    async add(partial, key) {
      if (state.seen[partial.deliveryId] !== undefined) return undefined;
      const frame: MessageFrame = { ...partial, seq: state.nextSeq };
      const now = options.now();
      state = {
        ...state,
        nextSeq: state.nextSeq + 1,
        pending: [...state.pending, { frame, key, addedAt: now }],
        seen: { ...state.seen, [frame.deliveryId]: now },
      };
      prune();
      unsaved.add(frame.deliveryId);
      try {
        await persist();
      } catch (err) {
        // Not durable: forget it, so WhatsApp's next announcement of the message is taken.
        const { [frame.deliveryId]: _dropped, ...seen } = state.seen;
        state = { ...state, pending: state.pending.filter((p) => p.frame !== frame), seen };
        throw err;
      } finally {
        unsaved.delete(frame.deliveryId);
      }
      return frame;
    },
    async ack(deliveryId) {
      const entry = state.pending.find((p) => p.frame.deliveryId === deliveryId);
      if (entry === undefined) return undefined;
      state = { ...state, pending: state.pending.filter((p) => p !== entry) };
      await persist();
      return entry;
    },
    pending: () => state.pending.filter((p) => !unsaved.has(p.frame.deliveryId)),
    flush: () => writes.idle(),
  };
}
