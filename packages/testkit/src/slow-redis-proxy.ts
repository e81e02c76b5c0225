import { createConnection, createServer, type Socket } from 'node:net';
import { freePort } from './redis-server.js';

export type SlowRedisProxy = {
  readonly port: number;
  /** `redis://127.0.0.1:<proxy port>`: point the cluster here instead of at Redis. */
  readonly url: string;
  /** Added to every client->server chunk from now on; 0 makes the proxy transparent. */
  setDelay(ms: number): void;
  /** Chunks forwarded to Redis so far (each one paid the delay once). */
  forwarded(): number;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of a Redis that holds every chunk a client sends for
 * `delayMs` before passing it on, in order, so every command (or pipeline
 * written in one go) answers that much later. Replies pass straight back.
 */
export async function startSlowRedisProxy(options: { target: { host?: string; port: number }; delayMs: number }): Promise<SlowRedisProxy> {
  const port = await freePort();
  let delayMs = options.delayMs;
  let forwarded = 0;
  const sockets = new Set<Socket>();

  const pipe = (client: Socket) => {
    const server = createConnection({ host: options.target.host ?? '127.0.0.1', port: options.target.port });
    sockets.add(client).add(server);
    // Each chunk leaves no earlier than its own arrival + delay and never before the one ahead
    // of it, so order on the connection is kept however the delay changes.
    let lastDue = 0;
    client.on('data', (chunk: Buffer) => {
      const due = Math.max(Date.now() + delayMs, lastDue);
      lastDue = due;
      setTimeout(() => {
        if (server.destroyed) return;
        forwarded += 1;
        server.write(chunk);
      }, due - Date.now());
    });
    server.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    // A reset on either side ends both, as a real network path would.
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  };

  const listener = createServer(pipe);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    setDelay: (ms) => {
      delayMs = ms;
    },
    forwarded: () => forwarded,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
