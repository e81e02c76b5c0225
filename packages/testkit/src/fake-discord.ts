import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeGateway } from './fake-discord-gateway.js';
import { createSnowflakes } from './fake-discord-snowflake.js';
import type {
  FakeDiscord, FakeDiscordAttachment, FakeDiscordChannel, FakeDiscordMessage, FakeDiscordStats, FakeDiscordUser, InjectOptions,
} from './fake-discord-types.js';

export type * from './fake-discord-types.js';

export type FakeDiscordOptions = {
  token?: string;
  /** HELLO's heartbeat_interval (Discord's is ~41 s; tests want a zombie noticed in seconds). */
  heartbeatIntervalMs?: number;
  /** How long a nonce is remembered for enforce_nonce (Discord: "a few minutes"). */
  nonceWindowMs?: number;
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

const apiPrefix = '/api/v10';
const publicMessage = ({ at: _at, ...message }: FakeDiscordMessage) => message;

/**
 * A fake Discord on loopback: the gateway (fake-discord-gateway.ts) and the REST routes the
 * worker uses — GET /gateway/bot, GET /users/@me, POST and GET /channels/{id}/messages
 * (with `nonce` + `enforce_nonce` deduplication and `after=` paging), POST
 * /channels/{id}/typing — plus attachment downloads.
 */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? 'fake-discord-token.abc';
  const nextId = createSnowflakes();
  const bot: FakeDiscordUser = { id: nextId(), username: 'nanobot', bot: true };
  const channels = new Map<string, FakeDiscordChannel>();
  const dms = new Map<string, string>();
  const files = new Map<string, Buffer>();
  const nonceWindowMs = options.nonceWindowMs ?? 5 * 60_000;
  const stats: FakeDiscordStats = { identifies: 0, resumes: 0, resumed: 0, invalidSessions: 0, heartbeats: 0, catchUpReads: 0, typing: 0, nonceHits: 0 };
  let port = 0;
  const gateway = createFakeGateway({
    token, bot, stats, heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000, url: () => `ws://127.0.0.1:${port}/gateway`,
  });

  const channelOf = (id: string): FakeDiscordChannel => {
    let channel = channels.get(id);
    if (channel === undefined) {
      channel = { id, type: 0, messages: [] };
      channels.set(id, channel);
    }
    return channel;
  };

  function store(channel: FakeDiscordChannel, message: Omit<FakeDiscordMessage, 'id' | 'timestamp' | 'at' | 'channel_id'>): FakeDiscordMessage {
    const at = Date.now();
    const full: FakeDiscordMessage = {
      id: nextId(), channel_id: channel.id, timestamp: new Date(at).toISOString(), at,
      ...(channel.guildId === undefined ? {} : { guild_id: channel.guildId }), ...message,
    };
    channel.messages.push(full);
    return full;
  }

  async function createMessage(channelId: string, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const channel = channels.get(channelId);
    if (channel === undefined) return json(res, 404, { message: 'Unknown Channel', code: 10003 });
    const content = typeof body.content === 'string' ? body.content : '';
    if (content.length === 0 || content.length > 2000) {
      return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } });
    }
    const nonce = body.nonce === undefined ? undefined : String(body.nonce);
    if (nonce !== undefined && body.enforce_nonce === true) {
      const earlier = channel.messages.find((m) => m.author.id === bot.id && m.nonce === nonce && Date.now() - m.at < nonceWindowMs);
      if (earlier !== undefined) {
        stats.nonceHits += 1;
        return json(res, 200, publicMessage(earlier));
      }
    }
    const reference = body.message_reference as { message_id?: string } | undefined;
    const message = store(channel, {
      author: bot, content, type: reference?.message_id === undefined ? 0 : 19, mentions: [], attachments: [],
      ...(nonce === undefined ? {} : { nonce }),
      ...(reference?.message_id === undefined ? {} : { message_reference: { message_id: reference.message_id, channel_id: channelId } }),
    });
    json(res, 200, publicMessage(message));
  }

  function listMessages(channelId: string, query: URLSearchParams, res: ServerResponse): void {
    const channel = channels.get(channelId);
    if (channel === undefined) return json(res, 404, { message: 'Unknown Channel', code: 10003 });
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50)));
    const after = query.get('after');
    let picked: FakeDiscordMessage[];
    if (after !== null) {
      stats.catchUpReads += 1;
      // Discord: the `limit` messages right after `after`, newest first.
      picked = channel.messages.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit).reverse();
    } else {
      picked = channel.messages.slice(-limit).reverse();
    }
    json(res, 200, picked.map(publicMessage));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/attachments/')) {
      const body = files.get(url.pathname);
      if (body === undefined) return json(res, 404, { message: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      return;
    }
    if (!url.pathname.startsWith(apiPrefix)) return json(res, 404, { message: '404: Not Found', code: 0 });
    if (req.headers.authorization !== `Bot ${token}`) return json(res, 401, { message: '401: Unauthorized', code: 0 });
    const path = url.pathname.slice(apiPrefix.length);
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/gateway/bot') {
      return json(res, 200, {
        url: `ws://127.0.0.1:${port}/gateway`, shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && path === '/users/@me') return json(res, 200, { ...bot, discriminator: '0' });
    const match = /^\/channels\/(\d+)\/(messages|typing)$/.exec(path);
    if (match === null) return json(res, 404, { message: '404: Not Found', code: 0 });
    const [, channelId = '', what] = match;
    if (what === 'typing' && method === 'POST') {
      stats.typing += 1;
      res.writeHead(204).end();
      return;
    }
    if (what === 'messages' && method === 'GET') return listMessages(channelId, url.searchParams, res);
    if (what === 'messages' && method === 'POST') {
      const text = await readBody(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return json(res, 400, { message: 'Cannot send an empty message', code: 50006 });
      }
      return createMessage(channelId, body, res);
    }
    json(res, 405, { message: '405: Method Not Allowed', code: 0 });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => json(res, 500, { message: String(err) }));
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/gateway') return void socket.destroy();
    gateway.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  const fake: FakeDiscord = {
    token,
    bot,
    apiBase: `http://127.0.0.1:${port}${apiPrefix}`,
    gatewayUrl: `ws://127.0.0.1:${port}/gateway`,
    dm(user) {
      let id = dms.get(user.id);
      if (id === undefined) {
        id = nextId();
        dms.set(user.id, id);
        channels.set(id, { id, type: 1, messages: [] });
      }
      return id;
    },
    guildChannel(id, opts = {}) {
      const channel = channelOf(id);
      channel.guildId = opts.guildId ?? '1000';
      if (opts.parentId !== undefined) {
        channel.type = 11;
        channel.parentId = opts.parentId;
      }
      return id;
    },
    inject(input: InjectOptions) {
      const channel = channelOf(input.channelId);
      const mention = input.mention === true && channel.guildId !== undefined;
      const attachments: FakeDiscordAttachment[] = (input.attachments ?? []).map((file) => {
        const id = nextId();
        const path = `/attachments/${id}/${encodeURIComponent(file.filename)}`;
        files.set(path, file.body);
        return {
          id, filename: file.filename, size: file.body.length, url: `http://127.0.0.1:${port}${path}`,
          ...(file.contentType === undefined ? {} : { content_type: file.contentType }),
        };
      });
      const message = store(channel, {
        author: input.author, content: mention ? `<@${bot.id}> ${input.text}` : input.text, type: 0,
        mentions: mention ? [bot] : [], attachments,
      });
      gateway.dispatchAll('MESSAGE_CREATE', publicMessage(message));
      return message;
    },
    sentTo: (channelId) => (channels.get(channelId)?.messages ?? []).filter((m) => m.author.id === bot.id),
    sent: () => [...channels.values()].flatMap((c) => c.messages.filter((m) => m.author.id === bot.id)).sort((a, b) => a.at - b.at),
    setZombie: (on) => gateway.setZombie(on),
    cut: (opts = {}) => gateway.cut(opts.expireSessions === true),
    restore: () => gateway.restore(),
    dropConnections: (code = 4000) => gateway.drop(code),
    openConnections: () => gateway.openConnections(),
    stats: () => ({ ...stats }),
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`fake discord: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
