import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeDiscordStats, FakeDiscordUser } from './fake-discord-types.js';

type Dispatch = { t: string; s: number; d: unknown };

type Session = {
  id: string;
  seq: number;
  /** Every dispatch of the session, for RESUME (bounded). */
  events: Dispatch[];
  socket: WebSocket | undefined;
  expired: boolean;
};

type Link = { socket: WebSocket; session: Session | undefined; zombie: boolean };

export type GatewayOptions = {
  token: string;
  bot: FakeDiscordUser;
  heartbeatIntervalMs: number;
  /** ws://…/gateway: READY's resume_gateway_url points back here. */
  url: () => string;
  stats: FakeDiscordStats;
};

const op = { dispatch: 0, heartbeat: 1, identify: 2, resume: 6, reconnect: 7, invalidSession: 9, hello: 10, heartbeatAck: 11 } as const;
const eventsKept = 1_000;

/**
 * The gateway side of the fake: Discord's v10 JSON protocol on one WebSocket path. HELLO,
 * IDENTIFY → READY (session id, resume_gateway_url back at this server), heartbeats and
 * their ACKs, RESUME → the missed dispatches then RESUMED, INVALID_SESSION (d=false) for an
 * unknown or expired session, and MESSAGE_CREATE with sequence numbers. A session outlives
 * its connection: events while nobody is connected wait for a RESUME.
 */
export function createFakeGateway(options: GatewayOptions) {
  const wss = new WebSocketServer({ noServer: true });
  const sessions = new Map<string, Session>();
  const links = new Set<Link>();
  let refusing = false;
  /** Sockets of zombie links: no ACKs and no dispatches (they wait in the session for a RESUME). */
  const zombies = new WeakSet<WebSocket>();

  const send = (socket: WebSocket, payload: unknown) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
  };

  function dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const event = { t, s: session.seq, d };
    session.events.push(event);
    if (session.events.length > eventsKept) session.events.shift();
    if (session.socket !== undefined && !zombies.has(session.socket)) send(session.socket, { op: op.dispatch, ...event });
  }

  function onPayload(link: Link, raw: string): void {
    let payload: { op?: number; d?: Record<string, unknown> | number | null };
    try {
      payload = JSON.parse(raw) as typeof payload;
    } catch {
      link.socket.close(4002, 'Decode error');
      return;
    }
    const d = (typeof payload.d === 'object' && payload.d !== null ? payload.d : {}) as Record<string, unknown>;
    switch (payload.op ?? -1) {
      case op.heartbeat:
        options.stats.heartbeats += 1;
        if (!link.zombie) send(link.socket, { op: op.heartbeatAck });
        return;
      case op.identify: {
        if (d.token !== options.token && d.token !== `Bot ${options.token}`) {
          link.socket.close(4004, 'Authentication failed');
          return;
        }
        options.stats.identifies += 1;
        const session: Session = { id: randomUUID().replace(/-/g, ''), seq: 0, events: [], socket: link.socket, expired: false };
        sessions.set(session.id, session);
        link.session = session;
        dispatchTo(session, 'READY', {
          v: 10,
          user: { ...options.bot, bot: true, discriminator: '0' },
          guilds: [],
          session_id: session.id,
          resume_gateway_url: options.url(),
          shard: [0, 1],
          application: { id: options.bot.id, flags: 0 },
        });
        return;
      }
      case op.resume: {
        options.stats.resumes += 1;
        const session = sessions.get(String(d.session_id));
        if (d.token !== options.token && d.token !== `Bot ${options.token}`) {
          link.socket.close(4004, 'Authentication failed');
          return;
        }
        if (session === undefined || session.expired) {
          options.stats.invalidSessions += 1;
          send(link.socket, { op: op.invalidSession, d: false });
          return;
        }
        session.socket?.close(4009, 'Session taken over');
        session.socket = link.socket;
        link.session = session;
        const from = Number(d.seq ?? 0);
        for (const event of session.events) if (event.s > from) send(link.socket, { op: op.dispatch, ...event });
        options.stats.resumed += 1;
        dispatchTo(session, 'RESUMED', null);
        return;
      }
      default:
        return;
    }
  }

  wss.on('connection', (socket: WebSocket) => {
    const link: Link = { socket, session: undefined, zombie: false };
    links.add(link);
    socket.on('message', (data: Buffer) => onPayload(link, data.toString()));
    socket.on('close', () => {
      links.delete(link);
      if (link.session?.socket === socket) link.session.socket = undefined;
    });
    socket.on('error', () => undefined);
    send(socket, { op: op.hello, d: { heartbeat_interval: options.heartbeatIntervalMs } });
  });

  return {
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      wss.handleUpgrade(request, socket, head, (ws) => {
        // Cut: the connection opens and is dropped before HELLO, again and again, until restore().
        if (refusing) ws.close(4000, 'connection cut');
        else wss.emit('connection', ws, request);
      });
    },
    /** MESSAGE_CREATE to every live session (sent now, or kept for its RESUME). */
    dispatchAll(t: string, d: unknown): void {
      for (const session of sessions.values()) if (!session.expired) dispatchTo(session, t, d);
    },
    setZombie(on: boolean): void {
      for (const link of links) {
        link.zombie = on;
        if (on) zombies.add(link.socket);
        else zombies.delete(link.socket);
      }
    },
    cut(expireSessions: boolean): void {
      refusing = true;
      if (expireSessions) for (const session of sessions.values()) session.expired = true;
      for (const link of links) link.socket.terminate();
    },
    restore(): void {
      refusing = false;
    },
    drop(code: number): void {
      for (const link of links) link.socket.close(code, 'dropped by the fake');
    },
    openConnections: () => [...links].filter((l) => l.session !== undefined).length,
    close(): void {
      for (const link of links) link.socket.terminate();
      wss.close();
    },
  };
}
