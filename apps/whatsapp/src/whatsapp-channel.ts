import { createHash } from 'node:crypto';
import { AppError, toAppError, toJobId } from '@nanobot/core';
import { inboundJobOptions, jobNames, type PairingGate, type Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import type { BadMessageFrame, BridgeFrame, MessageFrame } from './bridge-frames.js';
import { openBridgeLink, type BridgeLink } from './bridge-link.js';
import type { MediaKeeper } from './keep-media.js';
import { toInbound, type FrameVerdict, type InboundPolicy } from './to-inbound.js';

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
  /** DM pairing for senders outside allowFrom; without it they are ignored. */
  pairing?: PairingGate;
  /** Metrics: a message was queued for the agent. */
  onQueued?: () => void;
  /** Copies a message's files into the workspace before it is queued (keep-media.ts). */
  keepMedia?: MediaKeeper;
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
    let verdict: FrameVerdict;
    try {
      verdict = toInbound(frame, deps.policy, Date.now());
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const bad = { raw: { ...frame }, reason: `could not read the frame (${what.slice(0, 200)})`, deliveryId: frame.deliveryId };
      return parkBadMessage(bad, link);
    }
    if (verdict.kind === 'stranger') verdict = await admit(frame, verdict);
    if (verdict.kind === 'accept') {
      const kept = deps.keepMedia === undefined ? { kind: 'message' as const, message: verdict.message } : await deps.keepMedia(verdict.message);
      if (kept.kind === 'refused') {
        await deps.queues.addOutbound(kept.notice);
        log.info({ messageId: verdict.message.id }, 'whatsapp message with a file over the cap refused');
      } else {
        await deps.queues.addInbound(kept.message);
        deps.onQueued?.();
        log.debug({ messageId: verdict.message.id, catchUp: frame.catchUp === true }, 'whatsapp message queued');
      }
    } else {
      log.debug({ messageId: frame.id, reason: verdict.kind === 'ignore' ? verdict.reason : 'sender not in allowFrom' }, 'whatsapp message ignored');
    }
    if (frame.deliveryId !== undefined) link.send({ type: 'ack', id: frame.deliveryId });
  }

  /** An approved stranger counts as listed in allowFrom; a Redis failure drops the link, so the frame comes again. */
  async function admit(frame: MessageFrame, stranger: FrameVerdict & { kind: 'stranger' }): Promise<FrameVerdict> {
    if (deps.pairing === undefined) return { kind: 'ignore', reason: 'sender not in allowFrom' };
    const decision = await deps.pairing.admit(stranger);
    if (decision.kind === 'ignore') return decision;
    return toInbound(frame, { ...deps.policy, allowFrom: [...deps.policy.allowFrom, stranger.sender] }, Date.now());
  }

  /**
   * A message frame that can never be read: parked in the failed set (the agent fails any job
   * that is not a valid inbound message), raw frame and reason kept, then acknowledged so the
   * bridge stops resending it. Same job id as a valid frame would get, so a resend is dropped.
   */
  async function parkBadMessage(bad: BadMessageFrame, link: BridgeLink): Promise<void> {
    const { sender, id } = bad.raw;
    const source = bad.deliveryId
      ?? (typeof sender === 'string' && sender !== '' && typeof id === 'string' && id !== '' ? `${sender}/${id}` : undefined)
      ?? `bad-${createHash('sha256').update(JSON.stringify(bad.raw)).digest('hex').slice(0, 24)}`;
    const jobId = toJobId(`wa-${source}`);
    try {
      await deps.queues.inbound.add(jobNames.malformedFrame, { malformed: true, reason: bad.reason, frame: bad.raw }, inboundJobOptions(jobId));
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', `could not park frame ${jobId}`, { cause, details: { jobId } });
    }
    log.warn({ jobId, reason: bad.reason }, 'malformed whatsapp frame parked');
    if (bad.deliveryId !== undefined) link.send({ type: 'ack', id: bad.deliveryId });
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
      // Frames are handled one after the other, in the order they came.
      const inOrder = (work: (link: BridgeLink) => Promise<void>) => {
        chain = chain.then(async () => {
          if (failed) return; // the link is going down; the bridge resends what was not acked
          const link = await opening.catch(() => undefined); // a failed open is reported by run()
          if (link === undefined) return;
          try {
            await work(link);
          } catch (err) {
            failed = true;
            link.close(toAppError(err));
          }
        });
      };
      const opening = openBridgeLink({
        url: deps.url, token, log, heartbeatMs: deps.heartbeatMs, signal: ctx.signal,
        onAlive: () => ctx.reportAlive(),
        onFrame: (frame) => inOrder((link) => handle(frame, link, ctx)),
        onBadMessage: (bad) => inOrder((link) => parkBadMessage(bad, link)),
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
