import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import type { Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import { readTraffic, type ProcessStatus } from '@nanobot/bus';
import { createClusterReader, discardFailed, enabledChannels, listFailed, retryFailed, type ProcessInfo } from '@nanobot/ops';
import { createApp } from './create-app.js';
import { createQueueBoard } from './create-queue-board.js';
import { createSnapshotSource } from './create-snapshot-source.js';

export type DashboardOptions = {
  config: Config;
  redis: Redis;
  log: Logger;
  isGone: (status: ProcessStatus) => boolean;
  listProcesses?: () => Promise<ProcessInfo[]>;
  refreshMs?: number;
};

/** The dashboard process without the process: the HTTP server on `gateway.host:port` and what it reads. */
export function createDashboard(options: DashboardOptions) {
  const { config, redis, log } = options;
  const reader = createClusterReader(redis);
  const shutdown = new AbortController();
  const snapshot = createSnapshotSource({
    reader,
    enabledChannels: enabledChannels(config.channels),
    isGone: options.isGone,
    readTraffic: (now) => readTraffic(redis, { now }),
    ...(options.listProcesses === undefined ? {} : { listProcesses: options.listProcesses }),
  });
  const board = createQueueBoard(redis);
  const app = createApp({
    token: config.gateway.token,
    snapshot: snapshot.read,
    failed: {
      list: (limit) => listFailed(redis, limit),
      retry: (jobId) => retryFailed(redis, jobId),
      discard: (jobId) => discardFailed(redis, jobId),
    },
    shutdown: shutdown.signal,
    queueBoard: board.routes,
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
  });
  let server: ServerType | undefined;

  return {
    /** Resolves once the port is open; rejects naming the address when it cannot be. */
    start(): Promise<AddressInfo> {
      const { host, port } = config.gateway;
      return new Promise((resolve, reject) => {
        const listening = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
          log.info({ host, port: info.port }, 'dashboard listening');
          resolve(info);
        });
        listening.once('error', (err: NodeJS.ErrnoException) => {
          reject(new AppError('INTERNAL', `dashboard cannot listen on ${host}:${port} (gateway.host / gateway.port): ${err.code ?? err.message}`, { cause: err }));
        });
        server = listening;
      });
    },
    async stop(): Promise<void> {
      shutdown.abort();
      const closing = server;
      if (closing !== undefined) {
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          // Live streams never end by themselves.
          if ('closeAllConnections' in closing) closing.closeAllConnections();
        });
      }
      await Promise.all([reader.close(), board.close()]);
    },
  };
}
