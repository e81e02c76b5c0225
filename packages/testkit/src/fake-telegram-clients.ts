import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';

/** The inode of the socket whose local port is `localPort` and remote port `remotePort`. */
function socketInode(localPort: number, remotePort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 table, or not Linux: the caller records no pid
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = Number.parseInt(fields[1]?.split(':').pop() ?? '', 16);
      const remote = Number.parseInt(fields[2]?.split(':').pop() ?? '', 16);
      const inode = fields[9];
      if (local === localPort && remote === remotePort && inode !== undefined && inode !== '0') return inode;
    }
  }
  return undefined;
}

/** The process that has the socket `inode` open, among those this user may look into. */
function pidWithSocket(inode: string): number | undefined {
  const link = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or it just ended
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === link) return Number(entry);
      } catch {
        // The fd closed meanwhile: not the one we look for.
      }
    }
  }
  return undefined;
}

/**
 * Which local process opened an accepted loopback connection, read from Linux's /proc (the
 * client's end of the TCP connection is a socket in exactly one process's fd table). Looked up
 * once, when the connection is accepted, while the client certainly still has it open; later
 * requests on the same keep-alive connection come from the same process. `undefined` where
 * /proc does not tell (another OS, another user's process).
 */
export function createClientIdentifier() {
  const pids = new WeakMap<Socket, number | undefined>();
  return {
    identify(socket: Socket): void {
      const clientPort = socket.remotePort;
      const serverPort = socket.localPort;
      if (clientPort === undefined || serverPort === undefined) return;
      try {
        const inode = socketInode(clientPort, serverPort);
        pids.set(socket, inode === undefined ? undefined : pidWithSocket(inode));
      } catch {
        pids.set(socket, undefined); // no /proc: calls are recorded without a pid
      }
    },
    pidOf: (socket: Socket): number | undefined => pids.get(socket),
  };
}

export type ClientIdentifier = ReturnType<typeof createClientIdentifier>;
