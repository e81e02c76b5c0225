import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RedisServerOptions = {
  /** AOF persistence, as the embedded production Redis runs (default true). */
  appendonly?: boolean;
  port?: number;
  /** Extra `redis-server` arguments, e.g. ['--maxmemory', '2mb']. */
  extraArgs?: string[];
  /** Data directory to use (e.g. on a tiny disk); by default a fresh temp folder. Its contents are removed on close. */
  dir?: string;
};

export type RedisServer = {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  pid(): number | undefined;
  /** Graceful shutdown (SIGTERM); with AOF the data survives a restart. */
  stop(): Promise<void>;
  /** kill -9: no shutdown work at all. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  close(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read a free port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    // A refused connection just means "not up yet"; the caller polls again.
    socket.on('error', () => resolve(false));
  });
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a private `redis-server` on a free loopback port, with its own data
 * directory. Each test file gets its own; tests never touch a system Redis.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nanobot-redis-')));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', options.appendonly === false ? 'no' : 'yes',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--dir', dir,
    '--logfile', '',
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (err) =>
        reject(new Error(`cannot start redis-server (apt-get install -y redis-server): ${err.message}`)),
      );
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr}`)));
    });
    failed.catch(() => undefined); // observed through Promise.race below; later exits are expected
    await Promise.race([waitUntil(() => ping(port), 10_000, `redis-server on port ${port}`), failed]);
  };

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    child = undefined;
    proc.kill(sig);
    await exited(proc);
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child?.pid,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await signal('SIGTERM');
      await launch();
    },
    close: async () => {
      await signal('SIGTERM');
      // A given folder may be a mount point: empty it and leave the folder to its owner.
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
      else for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
    },
  };
}
