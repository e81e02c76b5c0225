import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeSlackMessage, FakeSlackPostFault } from './fake-slack-types.js';

/** What the Web API routes need of the fake's state. */
export type FakeSlackWebState = {
  botToken: string;
  appToken: string;
  botUserId: string;
  /** Null while the fake is cut off: connections.open answers 503. */
  socketUrl(): string | null;
  post(message: { channel: string; text: string; threadTs?: string; metadata?: FakeSlackMessage['metadata'] }): FakeSlackMessage;
  conversation(channel: string): FakeSlackMessage[];
  nextPostFault(): FakeSlackPostFault | undefined;
};

async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) return body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
  return Object.fromEntries(new URLSearchParams(body));
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

const isRoot = (m: FakeSlackMessage) => m.threadTs === undefined || m.threadTs === m.ts;

const toWire = (m: FakeSlackMessage, withMetadata: boolean) => ({
  type: 'message',
  ts: m.ts,
  text: m.text,
  user: m.user,
  ...(m.bot ? { bot_id: 'B0FAKEBOT', app_id: 'A0FAKEAPP' } : {}),
  ...(m.threadTs === undefined ? {} : { thread_ts: m.threadTs }),
  ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
});

/** Cursor pagination as Slack does it: an opaque cursor, `has_more`, `response_metadata.next_cursor`. */
function page(list: FakeSlackMessage[], params: Record<string, unknown>) {
  const limit = Math.min(Math.max(Number(params.limit ?? 100) || 100, 1), 999);
  const start = params.cursor === undefined || params.cursor === '' ? 0 : Number(Buffer.from(String(params.cursor), 'base64url').toString());
  const slice = list.slice(start, start + limit);
  const more = start + limit < list.length;
  const withMetadata = params.include_all_metadata === true || params.include_all_metadata === 'true';
  return {
    ok: true,
    messages: slice.map((m) => toWire(m, withMetadata)),
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(String(start + limit)).toString('base64url') : '' },
  };
}

const inRange = (m: FakeSlackMessage, params: Record<string, unknown>) => {
  const ts = Number(m.ts);
  const oldest = params.oldest === undefined ? -Infinity : Number(params.oldest);
  const latest = params.latest === undefined ? Infinity : Number(params.latest);
  const inclusive = params.inclusive === true || params.inclusive === 'true';
  return inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest;
};

function parseMetadata(value: unknown): FakeSlackMessage['metadata'] {
  const raw = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (raw === undefined || raw === null || typeof raw !== 'object') return undefined;
  const m = raw as { event_type?: unknown; event_payload?: unknown };
  if (typeof m.event_type !== 'string') return undefined;
  return { event_type: m.event_type, event_payload: (m.event_payload ?? {}) as Record<string, unknown> };
}

/** The Web API routes the Slack worker uses, with Slack's shapes and error codes (https://api.slack.com/web). */
export function createFakeSlackWeb(state: FakeSlackWebState) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = /^\/api\/([\w.]+)$/.exec((req.url ?? '').split('?')[0] ?? '')?.[1];
    if (req.method !== 'POST' || method === undefined) return send(res, 404, { ok: false, error: 'unknown_method' });
    const params = await readParams(req);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || String(params.token ?? '');
    if (method === 'apps.connections.open') {
      if (token !== state.appToken) return send(res, 200, { ok: false, error: 'invalid_auth' });
      const url = state.socketUrl();
      if (url === null) return send(res, 503, { ok: false, error: 'service_unavailable' });
      return send(res, 200, { ok: true, url });
    }
    if (token !== state.botToken) return send(res, 200, { ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        return send(res, 200, { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'nanobot', team_id: 'T0FAKE', user_id: state.botUserId, bot_id: 'B0FAKEBOT' });
      case 'chat.postMessage': {
        const fault = state.nextPostFault();
        if (fault === 'unavailable') return send(res, 503, { ok: false, error: 'service_unavailable' });
        if (fault === 'rate-limited') return send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
        const channel = String(params.channel ?? '');
        const text = String(params.text ?? '');
        if (channel === '') return send(res, 200, { ok: false, error: 'channel_not_found' });
        if (text === '') return send(res, 200, { ok: false, error: 'no_text' });
        const threadTs = params.thread_ts === undefined || params.thread_ts === '' ? undefined : String(params.thread_ts);
        const metadata = parseMetadata(params.metadata);
        const message = state.post({ channel, text, ...(threadTs === undefined ? {} : { threadTs }), ...(metadata === undefined ? {} : { metadata }) });
        if (fault === 'post-then-drop') {
          req.socket.destroy();
          return;
        }
        return send(res, 200, { ok: true, channel, ts: message.ts, message: toWire(message, false) });
      }
      case 'conversations.history': {
        const list = state.conversation(String(params.channel ?? '')).filter((m) => isRoot(m) && inRange(m, params)).reverse();
        return send(res, 200, page(list, params));
      }
      case 'conversations.replies': {
        const root = String(params.ts ?? '');
        const list = state.conversation(String(params.channel ?? '')).filter((m) => (m.ts === root || m.threadTs === root) && (m.ts === root || inRange(m, params)));
        if (list.length === 0) return send(res, 200, { ok: false, error: 'thread_not_found' });
        return send(res, 200, page(list, params));
      }
      default:
        return send(res, 200, { ok: false, error: 'unknown_method' });
    }
  };
}
