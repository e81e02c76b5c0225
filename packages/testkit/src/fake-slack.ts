import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeSlack, FakeSlackEnvelopeLog, FakeSlackInject, FakeSlackMessage, FakeSlackOptions, FakeSlackPostFault } from './fake-slack-types.js';
import { createFakeSlackWeb } from './fake-slack-web.js';

export type * from './fake-slack-types.js';
export { createSlackTraffic, withFakeSlack } from './fake-slack-traffic.js';
export type { SlackConversation, SlackTraffic } from './fake-slack-traffic.js';

type Envelope = {
  envelopeId: string;
  eventId: string;
  payload: Record<string, unknown>;
  attempt: number;
  reason: string | null;
  /** When it may next be sent (ms); undefined while it waits for an ack on a socket. */
  dueAt: number | undefined;
  ackBy: number | undefined;
};

/**
 * A protocol-level fake of Slack's Socket Mode (https://api.slack.com/apis/socket-mode) and the
 * Web API routes the worker uses, on 127.0.0.1. `apps.connections.open` (app token) returns a
 * one-time `ws://` URL; a connection gets `hello`, then `events_api` envelopes that must be
 * acknowledged with `{envelope_id}` within `ackTimeoutMs`; an envelope not acknowledged in time
 * (or sent while no connection is open) is sent again with `retry_attempt` + 1 and
 * `retry_reason: timeout` after `retryDelaysMs[attempt]`, and given up after the last one, as
 * Slack does. The server pings every connection; `disconnect` messages and cuts are switches.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? `xoxb-fake-${randomBytes(6).toString('hex')}`;
  const appToken = options.appToken ?? `xapp-fake-${randomBytes(6).toString('hex')}`;
  const botUserId = options.botUserId ?? 'U0NANOBOT';
  const ackTimeoutMs = options.ackTimeoutMs ?? 3_000;
  const retryDelaysMs = options.retryDelaysMs ?? [0, 60_000, 300_000];
  const conversations = new Map<string, FakeSlackMessage[]>();
  const sent: FakeSlackMessage[] = [];
  const deliveries: FakeSlackEnvelopeLog[] = [];
  const acked: string[] = [];
  const givenUp: string[] = [];
  const envelopes = new Map<string, Envelope>();
  const sockets = new Set<WebSocket>();
  const tickets = new Set<string>();
  const postFaults: FakeSlackPostFault[] = [];
  let dropAcks = false;
  let silent = false;
  let cutOff = false;
  let opened = 0;
  let lastMicros = 0;
  let counter = 0;
  let rotate = 0;

  /** Slack's ts: seconds.micros, unique and increasing across the workspace. */
  const nextTs = () => {
    lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };
  const store = (message: FakeSlackMessage) => {
    const list = conversations.get(message.channel) ?? [];
    list.push(message);
    conversations.set(message.channel, list);
    return message;
  };

  const files = new Map<string, { mimetype: string; content: Buffer }>();
  const server = createServer((req, res) => {
    const file = req.method === 'GET' ? files.get((req.url ?? '').split('?')[0] ?? '') : undefined;
    if (req.method === 'GET') {
      // Slack answers a download without the right token with its sign-in page (HTML), not a 401.
      const authorized = req.headers.authorization === `Bearer ${botToken}`;
      if (file === undefined || !authorized) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
      return void res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.content.length) }).end(file.content);
    }
    web(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  // Pongs are ours (autoPong off), so a zombie connection can be played: open, but silent.
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  server.on('upgrade', (req, socket, head) => {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    if (cutOff || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const web = createFakeSlackWeb({
    botToken, appToken, botUserId,
    socketUrl: () => {
      if (cutOff) return null;
      const ticket = randomBytes(8).toString('hex');
      tickets.add(ticket);
      opened += 1;
      return `ws://127.0.0.1:${port}/link/?ticket=${ticket}`;
    },
    post: ({ channel, text, threadTs, metadata }) => {
      const message = store({ channel, ts: nextTs(), text, user: botUserId, bot: true, at: Date.now(), ...(threadTs === undefined ? {} : { threadTs }), ...(metadata === undefined ? {} : { metadata }) });
      sent.push(message);
      return message;
    },
    conversation: (channel) => conversations.get(channel) ?? [],
    nextPostFault: () => postFaults.shift(),
  });

  function onConnection(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('error', () => undefined);
    ws.on('ping', (data) => {
      if (!silent) ws.pong(data);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      // What this connection had in hand without an ack stays pending; its timer resends it.
    });
    ws.on('message', (data) => {
      let frame: { envelope_id?: unknown };
      try {
        frame = JSON.parse(String(data)) as { envelope_id?: unknown };
      } catch {
        return;
      }
      if (typeof frame.envelope_id !== 'string' || dropAcks) return;
      if (envelopes.delete(frame.envelope_id)) acked.push(frame.envelope_id);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: sockets.size, debug_info: { host: 'fake-slack', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0FAKEAPP' } }));
    pump();
  }

  function deliver(envelope: Envelope, ws: WebSocket, now: number): void {
    envelope.dueAt = undefined;
    envelope.ackBy = now + ackTimeoutMs;
    const eventType = String((envelope.payload.event as { type?: unknown }).type);
    deliveries.push({ envelopeId: envelope.envelopeId, eventId: envelope.eventId, eventType, retryAttempt: envelope.attempt, retryReason: envelope.reason, at: now });
    ws.send(JSON.stringify({
      envelope_id: envelope.envelopeId, payload: envelope.payload, type: 'events_api', accepts_response_payload: false,
      retry_attempt: envelope.attempt, retry_reason: envelope.reason ?? '',
    }));
  }

  /** Not acknowledged in time: the next attempt, or given up after the last. */
  function failAttempt(envelope: Envelope, now: number): void {
    envelope.ackBy = undefined;
    const delay = retryDelaysMs[envelope.attempt];
    if (delay === undefined) {
      envelopes.delete(envelope.envelopeId);
      givenUp.push(envelope.envelopeId);
      return;
    }
    envelope.attempt += 1;
    envelope.reason = 'timeout';
    envelope.dueAt = now + delay;
  }

  function pump(): void {
    const now = Date.now();
    const open = [...sockets].filter((ws) => ws.readyState === ws.OPEN);
    for (const envelope of envelopes.values()) {
      if (envelope.ackBy !== undefined && now >= envelope.ackBy) failAttempt(envelope, now);
      if (envelope.dueAt === undefined || now < envelope.dueAt) continue;
      const ws = open[rotate++ % Math.max(1, open.length)];
      if (ws === undefined) failAttempt(envelope, now); // nobody to send it to: Slack counts a failed attempt
      else deliver(envelope, ws, now);
    }
  }
  const pumpTimer = setInterval(pump, 50);
  const pingTimer = setInterval(() => {
    if (!silent) for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.ping();
  }, options.pingIntervalMs ?? 5_000);

  function enqueue(event: Record<string, unknown>): void {
    counter += 1;
    const envelopeId = `${randomBytes(4).toString('hex')}-env-${counter}`;
    const eventId = `Ev${String(counter).padStart(8, '0')}`;
    const payload = {
      token: 'verification-token', team_id: 'T0FAKE', api_app_id: 'A0FAKEAPP', event, type: 'event_callback',
      event_id: eventId, event_time: Math.floor(Date.now() / 1000), authorizations: [{ team_id: 'T0FAKE', user_id: botUserId, is_bot: true }],
    };
    envelopes.set(envelopeId, { envelopeId, eventId, payload, attempt: 0, reason: null, dueAt: Date.now(), ackBy: undefined });
  }

  const channelType = (channel: string) => (channel.startsWith('D') ? 'im' : channel.startsWith('G') ? 'group' : 'channel');

  const fake: FakeSlack = {
    apiBase: `http://127.0.0.1:${port}/api/`,
    botToken, appToken, botUserId,
    injectMessage(input: FakeSlackInject) {
      const text = input.mention === true ? `<@${botUserId}> ${input.text}` : input.text;
      const ts = nextTs();
      store({ channel: input.channel, ts, text, user: input.user, bot: false, at: Date.now(), ...(input.threadTs === undefined ? {} : { threadTs: input.threadTs }) });
      const shared = (input.files ?? []).map((f, i) => {
        const id = `F${ts.replace('.', '')}${i}`;
        const path = `/files/${id}/${encodeURIComponent(f.name)}`;
        files.set(path, { mimetype: f.mimetype, content: Buffer.from(f.content) });
        return { id, name: f.name, mimetype: f.mimetype, size: Buffer.byteLength(f.content), url_private_download: `http://127.0.0.1:${port}${path}` };
      });
      const base = {
        user: input.user, text, ts, channel: input.channel, event_ts: ts, ...(input.threadTs === undefined ? {} : { thread_ts: input.threadTs }),
        ...(shared.length === 0 ? {} : { subtype: 'file_share', files: shared }),
      };
      enqueue({ type: 'message', channel_type: channelType(input.channel), ...base });
      if (input.mention === true && channelType(input.channel) !== 'im') enqueue({ type: 'app_mention', ...base });
      pump();
      return ts;
    },
    startThread(channel, user, text) {
      return store({ channel, ts: nextTs(), text, user, bot: false, at: Date.now() }).ts;
    },
    messages: (channel, threadTs) => (conversations.get(channel) ?? []).filter((m) => threadTs === undefined || m.ts === threadTs || m.threadTs === threadTs),
    sent: () => [...sent],
    deliveries: () => [...deliveries],
    acked: () => [...acked],
    givenUp: () => [...givenUp],
    pendingEnvelopes: () => envelopes.size,
    openConnections: () => [...sockets].filter((ws) => ws.readyState === ws.OPEN).length,
    connectionsOpened: () => opened,
    failNextPosts: (...faults) => void postFaults.push(...faults),
    ignoreAcks: (on) => void (dropAcks = on),
    goSilent: (on) => void (silent = on),
    cut() {
      cutOff = true;
      tickets.clear();
      for (const ws of sockets) ws.terminate();
    },
    restore: () => void (cutOff = false),
    sendDisconnect(reason, afterMs = 100) {
      for (const ws of sockets) {
        ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } }));
        setTimeout(() => ws.close(1000), afterMs).unref();
      }
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() >= deadline) throw new Error(`waitFor: condition still false after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      clearInterval(pumpTimer);
      clearInterval(pingTimer);
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
