import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createChatStore } from './fake-telegram-chats.js';
import { createClientIdentifier } from './fake-telegram-clients.js';
import { createFileStore } from './fake-telegram-files.js';
import { createTelegramFaults } from './fake-telegram-faults.js';
import type { TelegramState } from './fake-telegram-methods.js';
import { handleBotRequest } from './fake-telegram-server.js';
import type { AnswerHook, FakeTelegram, FakeTelegramOptions, RecordedCall, TelegramUser } from './fake-telegram-types.js';
import { createUpdateQueue } from './fake-telegram-updates.js';

export type * from './fake-telegram-types.js';

const defaultToken = '123456789:TEST-fake-token';

/** Polls `predicate` every 10 ms until it holds; rejects after `timeoutMs`. */
async function waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline) throw new Error(`waitFor: condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function trackSockets(server: Server): Set<Socket> {
  // Keep idle keep-alive connections open far longer than clients do (grammY keeps its agent's
  // sockets), so a client never reuses a socket the fake is closing at that moment.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Clients reset connections on purpose in fault tests; the socket is closed either way.
    socket.on('error', () => undefined);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return sockets;
}

function createState(bot: TelegramUser, firstUpdateId: number): TelegramState {
  return {
    bot,
    chats: createChatStore(bot),
    updates: createUpdateQueue(firstUpdateId),
    sent: [],
    edits: [],
    rejected: [],
    files: createFileStore(),
    media: [],
    webhook: { url: '', allowedUpdates: [] },
    commands: [],
  };
}

/**
 * Starts a fake Telegram Bot API on 127.0.0.1 that real clients (grammY with `apiRoot`)
 * can use: offsets, long polling, validation and error envelopes as in
 * https://core.telegram.org/bots/api, plus control methods for tests and fault switches.
 */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = options.token ?? defaultToken;
  const botId = Number(token.split(':')[0]);
  if (!Number.isSafeInteger(botId)) throw new Error('fake telegram token must start with a numeric bot id');
  const username = options.username ?? 'nanobot_test_bot';
  const state = createState({ id: botId, is_bot: true, first_name: 'Nanobot Test', username }, options.firstUpdateId ?? 500_000);
  const calls: RecordedCall[] = [];
  const faults = createTelegramFaults();
  const closing = new AbortController();
  // Every request in flight listens to it (delays, hanging polls): hundreds at once are expected.
  setMaxListeners(0, closing.signal);
  const clients = options.identifyClients === true ? createClientIdentifier() : undefined;
  const beforeAnswer = new Map<string, AnswerHook>();
  const deps = { token, state, faults, calls, closing: closing.signal, beforeAnswer, ...(clients ? { pidOf: clients.pidOf } : {}) };
  const server = createServer((req, res) => void handleBotRequest(req, res, deps));
  if (clients) server.on('connection', (socket) => clients.identify(socket));
  const sockets = trackSockets(server);
  const port = await listen(server, options.port ?? 0);

  async function close(): Promise<void> {
    if (closing.signal.aborted) return;
    closing.abort();
    state.updates.cancelWaiter();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botId,
    username,
    injectMessage: (message) => state.updates.push({ message: state.chats.inject(message) }),
    injectUpdate: (partial) => state.updates.push(partial),
    sent: () => [...state.sent],
    addFile: (bytes, fileOptions) => state.files.ref(state.files.add(bytes, fileOptions)),
    sentMedia: () => [...state.media],
    sentTo: (chatId) => state.sent.filter((message) => message.chatId === String(chatId)),
    edits: () => [...state.edits],
    rejected: () => [...state.rejected],
    calls: (method) => calls.filter((call) => method === undefined || call.method === method),
    confirmedOffset: () => state.updates.confirmedOffset(),
    pendingUpdates: () => state.updates.pending(),
    commands: () => [...state.commands],
    webhookUrl: () => state.webhook.url,
    waitFor: waitUntil,
    setFault: (method, fault) => faults.set(method, fault),
    clearFaults: () => faults.clear(),
    beforeAnswer: (method, hook) => {
      if (hook === undefined) beforeAnswer.delete(method);
      else beforeAnswer.set(method, hook);
    },
    close,
  };
}
