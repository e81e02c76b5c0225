import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ProcessGroups } from '../run-command.js';

export type StdioServerOptions = {
  command: string;
  args: string[];
  /** The whole environment of the server: nothing else of the agent's is passed on. */
  env: Record<string, string>;
  cwd: string;
  /** Every server's process group, so the agent's exit kills them all (synchronously). */
  groups: ProcessGroups;
  /** The server's stderr is kept (its end) to explain why it failed. */
  stderrKeepChars?: number;
};

/** How long a server may take to exit after SIGTERM before its group gets SIGKILL. */
const termGraceMs = 2_000;

/**
 * An MCP stdio transport (the SDK's `Transport`: newline-delimited JSON-RPC on stdin/stdout)
 * whose server runs in a process group of its own, with exactly the environment it is given.
 * The SDK's own stdio transport passes on more of the agent's environment and kills only the
 * server's own pid, which would leave a wrapper's children (`npx` → `node`) running. Here
 * `close()` sends SIGTERM to the group, then SIGKILL; a server that exits by itself takes its
 * group along too.
 */
export class StdioGroupTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly buffer = new ReadBuffer();
  private stderrTail = '';
  private exited: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: StdioServerOptions) {}

  /** The end of what the server wrote to stderr (why it failed to start, usually). */
  stderr(): string {
    return this.stderrTail.trim();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    const { command, args, env, cwd } = this.options;
    // spawn says ENOENT of the command for a missing cwd too: say which it is.
    if (statSync(cwd, { throwIfNoEntry: false })?.isDirectory() !== true) return Promise.reject(new Error(`cwd ${cwd} is not a directory`));
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env, cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('spawn', () => {
        if (child.pid !== undefined) this.options.groups.add(child.pid);
        resolve();
      });
      // The server is gone: what it left running in its group goes too (and lets go of the pipes).
      child.once('exit', () => this.killGroup());
      child.once('close', () => this.ended());
      child.stdout.on('data', (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
        } catch (err) {
          // A line longer than the SDK's buffer allows: the server is ended rather than the agent.
          this.onerror?.(err instanceof Error ? err : new Error(String(err)));
          void this.close();
          return;
        }
        this.drain();
      });
      // Stream errors end in the 'close' below; unheard, they would be thrown at the agent.
      child.stdout.on('error', (err) => this.onerror?.(err));
      child.stderr.on('error', (err) => this.onerror?.(err));
      const keep = this.options.stderrKeepChars ?? 2_000;
      child.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-keep)));
      // A write to a server that is gone fails here; the 'close' that follows ends the transport.
      child.stdin.on('error', (err) => this.onerror?.(err));
    });
  }

  private drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (err) {
        // A line that is not JSON-RPC (a server logging to stdout): said, skipped.
        this.onerror?.(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  private killGroup(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.options.groups.kill(pid);
    this.options.groups.remove(pid);
  }

  private ended(): void {
    this.killGroup();
    this.buffer.clear();
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (stdin === undefined || !stdin.writable) return reject(new Error('the MCP server is not running'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      this.ended();
      return;
    }
    const pid = child.pid;
    child.stdin.end();
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // ESRCH: it is exiting already; the 'close' below settles it.
    }
    if (!(await this.exitWithin(termGraceMs))) {
      this.options.groups.kill(pid);
      // Pipes held by a process that left the group (setsid) are not waited for.
      if (!(await this.exitWithin(termGraceMs))) {
        child.stdout.destroy();
        child.stderr.destroy();
        this.ended();
      }
    }
  }

  private async exitWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([this.exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    clearTimeout(timer);
    return inTime;
  }
}
