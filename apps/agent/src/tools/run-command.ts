import { spawn } from 'node:child_process';

/** Keeps the first and the last `limit` characters of a stream, and how long it was. */
function createHeadTail(limit: number) {
  let head = '';
  let tail = '';
  let total = 0;
  return {
    add(chunk: string): void {
      total += chunk.length;
      if (head.length < limit) {
        const room = limit - head.length;
        head += chunk.slice(0, room);
        chunk = chunk.slice(room);
      }
      if (chunk !== '') tail = (tail + chunk).slice(-limit);
    },
    text(): string {
      const dropped = total - head.length - tail.length;
      return dropped > 0 ? `${head}\n... (${dropped} chars truncated) ...\n${tail}` : head + tail;
    },
  };
}

/** Process groups of the commands running now, so they can all be killed at once (shutdown, exit). */
export function createProcessGroups() {
  const groups = new Set<number>();
  const kill = (pid: number) => {
    try {
      // The negative pid is the process group: the shell and everything it started.
      process.kill(-pid, 'SIGKILL');
    } catch (err) {
      // ESRCH: the group is gone already; nothing left to kill.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  return {
    add: (pid: number) => void groups.add(pid),
    remove: (pid: number) => void groups.delete(pid),
    kill,
    /** Synchronous, so it also works in a process 'exit' handler. */
    killAll(): number {
      const count = groups.size;
      for (const pid of groups) kill(pid);
      groups.clear();
      return count;
    },
    size: () => groups.size,
  };
}

export type ProcessGroups = ReturnType<typeof createProcessGroups>;

export type CommandOptions = {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** 0: no limit. */
  timeoutMs: number;
  /** The turn's signal (`/stop`, a lost lease): the command's group is killed and the run rejects. */
  signal: AbortSignal;
  /** The agent is stopping: the group is killed and the run ends as `stopped`. */
  shutdown?: AbortSignal;
  groups: ProcessGroups;
  /** Characters kept from the start and from the end of each stream. */
  keepChars: number;
};

export type CommandRun = {
  pid: number | undefined;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Why the command was killed, if it was. */
  killed?: 'timeout' | 'shutdown';
};

/** After SIGKILL to the group, output pipes held by a process outside it (a `setsid` child) are not waited for longer. */
const afterKillMs = 2_000;

/**
 * Runs `bash -c command` in a process group of its own (`detached`), so a timeout, `/stop` or
 * the agent's shutdown kills the shell and every process it started (SIGKILL to -pgid). The
 * run ends when the shell has exited and its output pipes are closed. Output is bounded in
 * memory (head and tail of each stream).
 */
export function runCommand(options: CommandOptions): Promise<CommandRun> {
  return new Promise((resolvePromise, reject) => {
    if (options.signal.aborted) return reject(options.signal.reason as Error);
    const child = spawn('bash', ['-c', options.command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) options.groups.add(pid);
    const stdout = createHeadTail(options.keepChars);
    const stderr = createHeadTail(options.keepChars);
    child.stdout.setEncoding('utf8').on('data', (c: string) => stdout.add(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => stderr.add(c));
    let killed: CommandRun['killed'];
    let aborted = false;
    let exitCode: number | null = null;
    let forceTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      if (pid !== undefined) options.groups.kill(pid);
      forceTimer ??= setTimeout(() => finish(), afterKillMs);
    };
    const timer = options.timeoutMs > 0 ? setTimeout(() => ((killed = 'timeout'), killGroup()), options.timeoutMs) : undefined;
    const onAbort = () => ((aborted = true), killGroup());
    const onShutdown = () => ((killed ??= 'shutdown'), killGroup());
    options.signal.addEventListener('abort', onAbort, { once: true });
    options.shutdown?.addEventListener('abort', onShutdown, { once: true });
    let done = false;
    function finish(error?: Error): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(forceTimer);
      options.signal.removeEventListener('abort', onAbort);
      options.shutdown?.removeEventListener('abort', onShutdown);
      if (pid !== undefined) options.groups.remove(pid);
      child.stdout.destroy();
      child.stderr.destroy();
      if (error !== undefined) return reject(error);
      if (aborted) return reject(options.signal.reason as Error);
      resolvePromise({ pid, exitCode, stdout: stdout.text(), stderr: stderr.text(), ...(killed === undefined ? {} : { killed }) });
    }
    child.on('error', (err) => finish(err));
    child.on('exit', (code) => void (exitCode = code));
    child.on('close', () => finish());
    if (options.shutdown?.aborted === true) onShutdown();
  });
}
