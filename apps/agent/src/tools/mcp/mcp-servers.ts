import type { McpServerConfig } from '@nanobot/config';
import { describeError, isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { backoffDelayMs, systemClock, type Clock } from '@nanobot/supervisor';
import { createProcessGroups } from '../run-command.js';
import type { ToolRegistry } from '../tool-registry.js';
import type { McpConnection } from './connect-mcp-server.js';
import { describeMcpError } from './describe-mcp-error.js';
import { selectTools } from './mcp-names.js';
import { detectTransport } from './mcp-transport-kind.js';

/**
 * The MCP SDK (its client, transports and zod schemas: about 25 MB) is loaded with the first
 * connection, so an agent without MCP servers never carries it.
 */
const loadMcp = () => import('./mcp-connected.js');
type McpModule = Awaited<ReturnType<typeof loadMcp>>;

/** One server as `nanobot status` shows it. */
export type McpServerStatus = {
  state: 'connecting' | 'connected' | 'retrying' | 'failed' | 'stopped';
  transport: string;
  /** Tools of the server the model has now. */
  tools: number;
  lastError: string | null;
  consecutiveFailures: number;
  nextRetryAt: number | null;
  connectedAt: number | null;
  /** A connected stdio server's process (its group's leader). */
  pid: number | null;
};

export type McpServersOptions = {
  servers: Record<string, McpServerConfig>;
  tools: ToolRegistry;
  log: Logger;
  agentEnv: Record<string, string | undefined>;
  workspace: string;
  version?: string;
  clock?: Clock;
  /** initialize and tools/list, each (default 30 s). */
  connectTimeoutMs?: number;
  /** A connected server is pinged this often; no answer within `connectTimeoutMs` reconnects it (default 30 s). */
  pingIntervalMs?: number;
  /** A connection that lasted this long resets the failure count (default 60 s). */
  stableMs?: number;
  /** Delay before attempt n+1 after n failures in a row (default the supervisor's backoff: 2 s doubling to 300 s). */
  delayMs?: (failures: number) => number;
};

export type McpServers = {
  /** Resolves when every server has had its first attempt (connected or not), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void>;
  status(): Record<string, McpServerStatus>;
  /** Called on every change of a server's status (the agent's status record). */
  onChange(listener: () => void): void;
  /** Closes every connection and stops the retries; stdio servers are killed with their process groups. */
  stop(): Promise<void>;
  /** Synchronous, for an exit handler: SIGKILL to every stdio server's process group; how many. */
  killAll(): number;
};

/**
 * The configured MCP servers, each in a loop of its own: connect, register its tools
 * (`enabledTools` applied), wait until the connection is gone (the server exited, a ping or a
 * call found it unreachable), take its tools away, and try again after the supervisor's backoff.
 * Nothing here throws into the agent: a server that cannot start is a status, never a crash.
 */
export function createMcpServers(options: McpServersOptions): McpServers {
  const { log, tools } = options;
  const clock = options.clock ?? systemClock;
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const stableMs = options.stableMs ?? 60_000;
  const delayMs = options.delayMs ?? backoffDelayMs;
  const groups = createProcessGroups();
  const stopping = new AbortController();
  const statuses = new Map<string, McpServerStatus>();
  const listeners: Array<() => void> = [];
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const update = (name: string, change: Partial<McpServerStatus>) => {
    const current = statuses.get(name);
    if (current !== undefined) statuses.set(name, { ...current, ...change });
    changed();
  };

  /** Registers the server's tools; returns their names. */
  function register(mcp: McpModule, name: string, server: McpServerConfig, connection: McpConnection, broken: (err: unknown) => void): string[] {
    const { selected, unmatched } = selectTools(name, connection.tools, server.enabledTools);
    if (unmatched.length > 0) {
      log.warn({ server: name, unmatched, available: connection.tools.map((t) => t.name) }, 'MCP server: enabledTools entries match no tool of the server');
    }
    const names: string[] = [];
    for (const def of selected) {
      const tool = mcp.createMcpTool({ server: name, def, client: connection.client, timeoutS: server.toolTimeout, onBroken: broken });
      if (tools.has(tool.name)) {
        log.warn({ server: name, tool: tool.name }, 'MCP tool name is taken, tool left out');
        continue;
      }
      tools.register(tool);
      names.push(tool.name);
    }
    return names;
  }

  /** Until the connection is gone: its close, a failed ping, a call that found it broken, or the stop. */
  async function holdConnection(mcp: McpModule, name: string, connection: McpConnection, brokenBy: Promise<unknown>): Promise<string> {
    const pinger = new AbortController();
    const pings = (async () => {
      while (!pinger.signal.aborted) {
        await clock.sleep(pingIntervalMs, pinger.signal);
        if (pinger.signal.aborted) return 'stopped';
        try {
          await connection.client.ping({ timeout: connectTimeoutMs, signal: pinger.signal });
        } catch (err) {
          if (pinger.signal.aborted) return 'stopped';
          // An error answer (a server without `ping`) is still an answer: it is alive.
          if (!mcp.isAnswered(err)) return `no answer to a ping: ${describeMcpError(err)}`;
        }
      }
      return 'stopped';
    })();
    let onStop: () => void = () => undefined;
    const stopped = new Promise<string>((resolve) => stopping.signal.addEventListener('abort', (onStop = () => resolve('stopped')), { once: true }));
    if (stopping.signal.aborted) onStop();
    const reason = await Promise.race([
      connection.closed.then(() => 'the connection closed (the server exited or hung up)'),
      brokenBy.then((err) => `a call found it unreachable: ${describeMcpError(err)}`),
      pings,
      stopped,
    ]);
    pinger.abort();
    stopping.signal.removeEventListener('abort', onStop);
    log.debug({ server: name, reason }, 'MCP connection ended');
    return reason;
  }

  async function runServer(name: string, server: McpServerConfig, firstAttempt: () => void): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      update(name, { state: 'connecting', nextRetryAt: null });
      let reason: string;
      let connectedFor = 0;
      try {
        const mcp = await loadMcp();
        const connection = await mcp.connectMcpServer({ name, server, timeoutMs: connectTimeoutMs, signal: stopping.signal, version: options.version ?? '0.1.0', agentEnv: options.agentEnv, workspace: options.workspace, groups });
        let markBroken: (err: unknown) => void = () => undefined;
        const brokenBy = new Promise<unknown>((resolve) => (markBroken = resolve));
        const names = register(mcp, name, server, connection, markBroken);
        const connectedAt = clock.now();
        update(name, { state: 'connected', tools: names.length, connectedAt, pid: connection.pid ?? null });
        log.info({ server: name, tools: names.length }, 'MCP server connected');
        firstAttempt();
        reason = await holdConnection(mcp, name, connection, brokenBy);
        for (const tool of names) tools.unregister(tool);
        update(name, { tools: 0, connectedAt: null, pid: null });
        await connection.close().catch((err: unknown) => log.debug({ err, server: name }, 'MCP connection close failed'));
        connectedFor = clock.now() - connectedAt;
      } catch (err) {
        firstAttempt();
        if (stopping.signal.aborted) break;
        if (isAppError(err, 'CONFIG_INVALID')) {
          log.error({ server: name }, `MCP server not started: ${describeError(err)}`);
          update(name, { state: 'failed', lastError: describeError(err) });
          return;
        }
        reason = describeMcpError(err);
      }
      if (stopping.signal.aborted) break;
      failures = connectedFor >= stableMs ? 1 : failures + 1;
      const waitMs = delayMs(failures);
      log.warn({ server: name, consecutiveFailures: failures, delayMs: waitMs, reason }, 'MCP server unavailable, retrying');
      update(name, { state: 'retrying', lastError: reason, consecutiveFailures: failures, nextRetryAt: clock.now() + waitMs });
      await clock.sleep(waitMs, stopping.signal);
    }
    update(name, { state: 'stopped', nextRetryAt: null });
  }

  const firstAttempts: Array<Promise<void>> = [];
  const loops: Array<Promise<void>> = [];
  for (const [name, server] of Object.entries(options.servers)) {
    let transport = '?';
    try {
      transport = detectTransport(name, server);
    } catch {
      // runServer reports it as the server's status
    }
    statuses.set(name, { state: 'connecting', transport, tools: 0, lastError: null, consecutiveFailures: 0, nextRetryAt: null, connectedAt: null, pid: null });
    let done: () => void = () => undefined;
    firstAttempts.push(new Promise<void>((resolve) => (done = resolve)));
    loops.push(
      runServer(name, server, done).catch((err: unknown) => {
        // A bug here must not take the agent down: the server is left out and said to be.
        log.error({ err, server: name }, 'MCP server loop failed');
        update(name, { state: 'failed', lastError: describeError(err) });
        done();
      }),
    );
  }

  return {
    async settled(timeoutMs) {
      const deadline = new AbortController();
      await Promise.race([Promise.all(firstAttempts), clock.sleep(timeoutMs, deadline.signal)]);
      deadline.abort();
    },
    status: () => Object.fromEntries([...statuses].map(([name, status]) => [name, { ...status }])),
    onChange: (listener) => void listeners.push(listener),
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
    killAll: () => groups.killAll(),
  };
}
