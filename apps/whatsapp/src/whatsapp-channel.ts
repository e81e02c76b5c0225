import { AppError, toAppError } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import type { BridgeFrame, MessageFrame } from './bridge-frames.js';
import { openBridgeLink, type BridgeLink } from './bridge-link.js';
import { toInbound, type InboundPolicy } from './to-inbound.js';

export type WhatsappChannelDeps = {
  url: string;
  /** Read per connection: the bridge may have generated its token after we started. */
  token: () => Promise<string>;
  queues: Queues;
  policy: InboundPolicy;
  log: Logger;
  heartbeatMs: number;
  /** The bridge link is up, or the bridge reports WhatsApp connected: put-back replies may go. */
  onUp?: () => void;
};

/**
 * The WhatsApp channel's `start()`, run by the supervisor: one bridge connection until it
 * breaks or a stop is requested. A message frame is acknowledged to the bridge only after
 * it is in Redis (ARCHITECTURE "Message flow"); when Redis is away the link is dropped, and
 * the bridge resends every unacknowledged frame on the next connection, deduplicated here
 * by the job id derived from chat + message id.
 */
export function createWhatsappChannel(deps: WhatsappChannelDeps) {
  const { log } = deps;
  let current: BridgeLink | undefined;
  let lastStatus: string | undefined;

  async function onMessage(frame: MessageFrame, link: BridgeLink): Promise<void> {
    const verdict = toInbound(frame, deps.policy, Date.now());
    if (verdict.kind === 'accept') {
      await deps.queues.addInbound(verdict.message);
      log.debug({ messageId: verdict.message.id, catchUp: frame.catchUp === true }, 'whatsapp message queued');
    } else {
      log.debug({ messageId: frame.id, reason: verdict.reason }, 'whatsapp message ignored');
    }
    if (frame.deliveryId !== undefined) link.send({ type: 'ack', id: frame.deliveryId });
  }

  function onStatus(frame: Extract<BridgeFrame, { type: 'status' }>, ctx: ChannelContext): void {
    ctx.reportState({ bridge: frame.status, bridgeDetail: frame.detail ?? null });
    if (frame.status === lastStatus) return;
    lastStatus = frame.status;
    if (frame.status === 'connected') deps.onUp?.();
    if (frame.status === 'logged_out') log.error({ detail: frame.detail }, 'whatsapp session logged out: re-link needed (nanobot channels login whatsapp)');
    else log.info({ status: frame.status, detail: frame.detail }, 'whatsapp bridge status');
  }

  async function handle(frame: BridgeFrame, link: BridgeLink, ctx: ChannelContext): Promise<void> {
    switch (frame.type) {
      case 'message':
        return onMessage(frame, link);
      case 'status':
        return onStatus(frame, ctx);
      case 'qr':
        ctx.reportState({ bridge: 'qr' });
        log.warn('whatsapp is waiting for a QR scan: run `nanobot channels login whatsapp`');
        return;
      case 'error':
        log.warn({ bridgeError: frame.error, code: frame.code }, 'bridge reported an error');
        return;
      case 'sent':
      case 'ack':
        return; // answers to sends are matched in the link
      default: {
        const never: never = frame;
        throw new AppError('INTERNAL', `unknown frame ${String(never)}`);
      }
    }
  }

  return {
    /** The open link, for the outbound sender; undefined while disconnected. */
    link: (): BridgeLink | undefined => current,
    async run(ctx: ChannelContext): Promise<void> {
      const token = await deps.token();
      let chain: Promise<void> = Promise.resolve();
      let failed = false;
      const opening = openBridgeLink({
        url: deps.url, token, log, heartbeatMs: deps.heartbeatMs, signal: ctx.signal,
        onAlive: () => ctx.reportAlive(),
        onFrame: (frame) => {
          chain = chain.then(async () => {
            if (failed) return; // the link is going down; the bridge resends what was not acked
            const link = await opening.catch(() => undefined); // a failed open is reported by run()
            if (link === undefined) return;
            try {
              await handle(frame, link, ctx);
            } catch (err) {
              failed = true;
              link.close(toAppError(err));
            }
          });
        },
      });
      const link = await opening.catch((err: unknown) => {
        throw toAppError(err, 'CHANNEL_UNAVAILABLE');
      });
      current = link;
      log.info({ url: deps.url }, 'connected to the whatsapp bridge');
      deps.onUp?.();
      try {
        const reason = await link.closed;
        if (ctx.signal.aborted) return;
        throw reason;
      } finally {
        current = undefined;
      }
    },
  };
}
