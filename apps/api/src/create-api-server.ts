import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { AppError, commandNames, toSessionKey, type CommandName, type InboundMessage } from '@nanobot/core';
import type { ApiConfig } from '@nanobot/config';
import { createQueues, createRedis } from '@nanobot/bus';
import { countInboundWorkers } from '@nanobot/ops';
import type { Logger } from '@nanobot/log';
import { createApp } from './create-app.js';
import { createReplyWaiter } from './reply-waiter.js';
import { createSessionTurns } from './session-turns.js';

/** `/word args` for a command of the agent's, else undefined (the text is a message). */
export function toCommand(text: string): { command: CommandName; args: string } | undefined {
  const match = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  const name = match?.[1]?.toLowerCase();
  if (name === undefined || !(commandNames as readonly string[]).includes(name)) return undefined;
  return { command: name as CommandName, args: (match?.[2] ?? '').trim() };
}

export type ApiServerOptions = {
  settings: ApiConfig;
  /** agents.defaults.model: what /v1/models lists. */
  model: string;
  redisUrl: string;
  log: Logger;
};

/**
 * `nanobot serve` without the process: each request becomes an inbound message of the `api`
 * channel (session `api:<user>`), an agent answers it like any chat, and the reply comes back
 * on `outbound-api` to the request that waits for it.
 */
export function createApiServer(options: ApiServerOptions) {
  const { settings, log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'api-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'api-worker' });
  const queues = createQueues(producer, log);
  const replies = createReplyWaiter({ connection: workerConnection, log });
  const inTurn = createSessionTurns();
  let counter = 0;
  // Ingress order inside a session: requests of a session are sent one after the other.
  const nextSeq = () => Date.now() * 1000 + (counter++ % 1000);

  const app = createApp({
    apiKey: settings.apiKey,
    model: options.model,
    log,
    ask: ({ session, text }, signal) =>
      inTurn(session, async () => {
        const base = { id: `api-${randomUUID()}`, channel: 'api' as const, chatId: session, senderId: session, sessionKey: toSessionKey('api', session), seq: nextSeq(), receivedAt: Date.now() };
        // Chat commands work here as in any chat (`/new`, `/status`, `/history 5`).
        const command = toCommand(text);
        const message: InboundMessage = command === undefined ? { ...base, kind: 'message', text, media: [] } : { ...base, kind: 'command', ...command };
        // Nothing would answer: say so now rather than after api.timeout (as `nanobot agent` does).
        if ((await countInboundWorkers(producer).catch(() => null)) === 0) {
          throw new AppError('LLM_UNAVAILABLE', 'no agent is running (nanobot-agent): start the cluster with `nanobot start`; the message was not queued', { details: { noAgent: true } });
        }
        const answer = replies.expect(message.id, settings.timeout * 1000, signal);
        try {
          await queues.addInbound(message);
        } catch (err) {
          answer.catch(() => undefined); // superseded by the queueing error
          throw err;
        }
        log.debug({ messageId: message.id }, 'api request queued');
        return answer;
      }),
  });
  let server: ServerType | undefined;

  return {
    /** Resolves once the port is open; rejects naming the address when it cannot be. */
    async start(onFatal: (err: unknown) => void): Promise<AddressInfo> {
      await queues.waitUntilReady();
      await replies.start(onFatal);
      const { host, port } = settings;
      return new Promise((resolve, reject) => {
        const listening = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
          log.info({ host, port: info.port, key: settings.apiKey !== '' }, 'api listening');
          resolve(info);
        });
        listening.once('error', (err: NodeJS.ErrnoException) => {
          reject(new AppError('INTERNAL', `api cannot listen on ${host}:${port} (api.host / api.port): ${err.code ?? err.message}`, { cause: err }));
        });
        server = listening;
      });
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => {
        if (server === undefined) return resolve();
        server.close(() => resolve());
        // Streams waiting for an answer would keep the port open: they end with the process.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await replies.close();
      await queues.close();
      await Promise.all([producer.quit(), workerConnection.quit()]);
    },
  };
}
