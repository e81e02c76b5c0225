import { createWriteQueue, readJsonFile, writeFileAtomic } from './atomic-write.js';

type Entry = { state: 'sending' | 'sent'; at: number };
type LedgerFile = { version: 1; entries: Record<string, Entry> };

export type SendLedger = {
  load(): Promise<void>;
  /**
   * Runs `send` once per id that succeeds, across reconnects and restarts: a repeated id of a
   * send that succeeded is answered without sending again; an id that was being sent when a
   * previous bridge process died is sent again. That is safe only because `send` uses a
   * WhatsApp message id derived from `id` (toWaMessageId): the second send is the same message.
   */
  once(id: string, send: () => Promise<void>): Promise<'sent'>;
  /** Settles once every write begun so far has settled. */
  flush(): Promise<void>;
};

/**
 * Persistent dedupe of client send ids (design-notes L14: unacknowledged frames are sent again after a
 * reconnect and deduplicated on receipt). Entries are kept for `ttlMs`, longer than a worker retries a reply.
 */
export function createSendLedger(options: { path: string; now: () => number; ttlMs: number }): SendLedger {
  let entries: Record<string, Entry> = {};
  const inFlight = new Map<string, Promise<'sent'>>();
  const writes = createWriteQueue();
  const persist = () => {
    const file: LedgerFile = { version: 1, entries };
    return writes.enqueue('ledger', () => writeFileAtomic(options.path, JSON.stringify(file), { mode: 0o600 }));
  };

  function prune(): void {
    const oldest = options.now() - options.ttlMs;
    entries = Object.fromEntries(Object.entries(entries).filter(([, e]) => e.at >= oldest));
  }

  async function run(id: string, send: () => Promise<void>): Promise<'sent'> {
    entries = { ...entries, [id]: { state: 'sending', at: options.now() } };
    prune();
    await persist();
    try {
      await send();
    } catch (err) {
      // Not sent: forget the id so a retry sends again.
      const { [id]: _dropped, ...rest } = entries;
      entries = rest;
      await persist();
      throw err;
    }
    entries = { ...entries, [id]: { state: 'sent', at: options.now() } };
    await persist();
    return 'sent';
  }

  return {
    async load() {
      const stored = (await readJsonFile(options.path)) as LedgerFile | undefined;
      if (stored !== undefined && stored.version === 1) entries = stored.entries;
    },
    once(id, send) {
      const running = inFlight.get(id);
      if (running !== undefined) return running;
      // A `sending` entry is a send cut short by a previous process: sent again, under the same WhatsApp id.
      if (entries[id]?.state === 'sent') return Promise.resolve('sent' as const);
      const outcome = run(id, send).finally(() => inFlight.delete(id));
      inFlight.set(id, outcome);
      return outcome;
    },
    flush: () => writes.idle(),
  };
}
