import WebSocket from 'ws';
import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { parseBridgeFrame, type BadMessageFrame, type BridgeFrame } from './bridge-frames.js';

export type LinkOptions = {
  url: string;
  token: string;
  log: Logger;
  /** Ping interval; a link without a pong for one interval is terminated (design-notes L15). */
  heartbeatMs: number;
  /** How long to wait for the socket and the bridge's first status frame. */
  connectTimeoutMs?: number;
  signal: AbortSignal;
  onFrame(frame: BridgeFrame): void;
  /** A message frame that fails validation: it must be parked and acknowledged, never dropped. */
  onBadMessage(bad: BadMessageFrame): void;
  /** Transport activity: a pong or any frame. */
  onAlive(): void;
};

export type BridgeLink = {
  /** Writes a frame; throws CHANNEL_UNAVAILABLE when the link is not open. */
  send(frame: object): void;
  /** Sends a frame with `id` and resolves on the bridge's {"type":"ack","id"} (design-notes L14). */
  request(frame: { id: string; type: string } & Record<string, unknown>, timeoutMs: number): Promise<void>;
  /** Settles with the reason once the link is closed, for whatever cause. */
  closed: Promise<AppError>;
  close(reason: AppError): void;
};

type Pending = { resolve(): void; reject(err: AppError): void; timer: NodeJS.Timeout };

const closeReason = (code: number, reason: string): AppError =>
  code === 4003 || code === 4001
    ? new AppError('CHANNEL_FATAL', `the bridge refused our token (close ${code} ${reason})`, { details: { closeCode: code } })
    : new AppError('CHANNEL_UNAVAILABLE', `bridge connection closed (${code}${reason ? ` ${reason}` : ''})`, { details: { closeCode: code } });

function bridgeError(frame: Extract<BridgeFrame, { type: 'error' }>): AppError {
  return new AppError(frame.code === 'rejected' ? 'MESSAGE_INVALID' : 'CHANNEL_UNAVAILABLE', `bridge: ${frame.error}`, {
    details: { bridgeCode: frame.code ?? 'unavailable' },
  });
}

/**
 * One WebSocket connection to the bridge: auth with acks on, a ping/pong heartbeat that
 * terminates a dead link, and request/ack tracking. Reconnecting is the supervisor's job.
 */
export async function openBridgeLink(options: LinkOptions): Promise<BridgeLink> {
  const { log } = options;
  const ws = new WebSocket(options.url, { perMessageDeflate: false, handshakeTimeout: options.connectTimeoutMs ?? 10_000 });
  const pending = new Map<string, Pending>();
  let settle: (reason: AppError) => void = () => undefined;
  const closed = new Promise<AppError>((resolve) => (settle = resolve));
  let closing: AppError | undefined;
  let awaitingPong = false;

  const close = (reason: AppError) => {
    closing ??= reason;
    ws.terminate();
  };
  const heartbeat = setInterval(() => {
    if (awaitingPong) {
      log.warn({ heartbeatMs: options.heartbeatMs }, 'bridge stopped answering pings, dropping the link');
      close(new AppError('CHANNEL_UNAVAILABLE', 'bridge did not answer a ping'));
      return;
    }
    awaitingPong = true;
    ws.ping();
  }, options.heartbeatMs);
  const onAbort = () => close(new AppError('CHANNEL_UNAVAILABLE', 'link closed on request'));
  options.signal.addEventListener('abort', onAbort, { once: true });

  ws.on('pong', () => {
    awaitingPong = false;
    options.onAlive();
  });
  ws.on('error', (err) => {
    closing ??= new AppError('CHANNEL_UNAVAILABLE', `bridge connection failed: ${err.message}`, { cause: err });
  });
  ws.on('close', (code, reason) => {
    clearInterval(heartbeat);
    options.signal.removeEventListener('abort', onAbort);
    const why = closing ?? closeReason(code, reason.toString());
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new AppError('CHANNEL_UNAVAILABLE', `link closed before the ack of ${id}`, { cause: why }));
    }
    pending.clear();
    settle(why);
  });

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => close(new AppError('CHANNEL_UNAVAILABLE', 'bridge did not greet in time')), options.connectTimeoutMs ?? 10_000);
    void closed.then((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: options.token, acks: true })));
    ws.on('message', (data) => {
      const parsed = parseBridgeFrame(data.toString());
      options.onAlive();
      if (parsed.kind === 'unknown') {
        // A newer bridge's frame type: ignoring it keeps an older worker working.
        log.debug({ reason: parsed.reason }, 'bridge frame ignored');
        return;
      }
      if (parsed.kind === 'bad-message') {
        options.onBadMessage(parsed.bad);
        return;
      }
      const frame = parsed.frame;
      if (frame.type === 'status') {
        clearTimeout(timer);
        resolve(); // the bridge greets an authenticated client with its status
      }
      if (frame.type === 'ack' || (frame.type === 'error' && frame.id !== undefined)) {
        const waiting = pending.get(frame.id ?? '');
        if (waiting !== undefined) {
          pending.delete(frame.id ?? '');
          clearTimeout(waiting.timer);
          if (frame.type === 'ack') waiting.resolve();
          else waiting.reject(bridgeError(frame));
        }
        return;
      }
      options.onFrame(frame);
    });
  });
  await ready;

  const send = (frame: object) => {
    if (ws.readyState !== WebSocket.OPEN) throw new AppError('CHANNEL_UNAVAILABLE', 'bridge link is not open');
    ws.send(JSON.stringify(frame));
  };
  return {
    send,
    request: (frame, timeoutMs) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(frame.id);
        reject(new AppError('CHANNEL_UNAVAILABLE', `no ack for ${frame.id} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(frame.id, { resolve, reject, timer });
      try {
        send(frame);
      } catch (err) {
        pending.delete(frame.id);
        clearTimeout(timer);
        reject(err as AppError);
      }
    }),
    closed,
    close,
  };
}
