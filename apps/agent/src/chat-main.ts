import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { describeError, isAppError } from '@nanobot/core';
import { loadConfig, resolveModelSpec, type LoadedConfig } from '@nanobot/config';
import { connectionOptions, createRedisClient, readStatuses } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { countInboundWorkers } from '@nanobot/ops';
import { createStreamPrinter } from './chat/create-stream-printer.js';
import { createClusterRunner } from './chat/create-cluster-runner.js';
import type { ChatRunner } from './chat/create-local-runner.js';
import { isExitWord, toChatMessage } from './chat/to-chat-message.js';
import { toClusterVerdict } from './chat/to-cluster-verdict.js';
import { selectSpecProvider } from './llm/select-spec-provider.js';

/**
 * `nanobot agent [-m MESSAGE] [-s SESSION] [--logs] [--local]`: the composition root of the
 * terminal chat. Logs go to stderr (warnings only unless --logs); replies to stdout.
 */
const { values } = parseArgs({
  options: {
    message: { type: 'string', short: 'm' },
    session: { type: 'string', short: 's', default: 'cli:direct' },
    logs: { type: 'boolean', default: false },
    local: { type: 'boolean', default: false },
  },
});
const log = createLogger({ name: 'nanobot-chat', level: values.logs ? 'info' : 'warn', destination: process.stderr });
const sessionKey = values.session.includes(':') ? values.session : `cli:${values.session}`;

function fail(message: string): never {
  process.stderr.write(`nanobot: ${message}\n`);
  process.exit(1);
}

/**
 * The cluster is used when its Redis answers and an agent consumes the inbound queue. A
 * cluster that runs but cannot answer (agent unconfigured or down) is reported at once with
 * the fix, instead of queueing a message nobody takes. A refused connection fails at once;
 * the timeout only matters for a Redis that does not answer at all.
 */
async function connectCluster(loaded: LoadedConfig): Promise<Redis | undefined> {
  const redis = createRedisClient(loaded.redis.url, { ...connectionOptions('producer'), lazyConnect: true, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', (err: Error) => log.debug({ err }, 'cluster redis not reachable'));
  try {
    await redis.connect();
  } catch (err) {
    log.info({ err }, 'cluster redis not reachable, answering in this process');
    redis.disconnect();
    return undefined;
  }
  // An agent that reports running but has no worker yet is being restarted: give it a second.
  const lastLookAt = Date.now() + 1_000;
  for (;;) {
    const [statuses, inboundWorkers] = await Promise.all([readStatuses(redis), countInboundWorkers(redis)]);
    const verdict = toClusterVerdict({ statuses, inboundWorkers, configPath: loaded.path, final: Date.now() >= lastLookAt });
    switch (verdict.kind) {
      case 'cluster':
        return redis;
      case 'local':
        log.info('no agent instance is running, answering in this process');
        redis.disconnect();
        return undefined;
      case 'refuse':
        redis.disconnect();
        return fail(verdict.message);
      case 'wait':
        await new Promise((resolve) => setTimeout(resolve, 200));
        break;
      default: {
        const unexpected: never = verdict;
        return fail(`unexpected verdict ${JSON.stringify(unexpected)}`);
      }
    }
  }
}

/** The terminal chat prints a local answer as it streams in (not when its output is piped). */
const printer = process.stdout.isTTY ? createStreamPrinter((text) => process.stdout.write(text)) : undefined;

async function createRunner(loaded: LoadedConfig): Promise<ChatRunner> {
  const redis = values.local ? undefined : await connectCluster(loaded);
  if (redis !== undefined) {
    log.info('sending through the running cluster');
    const runner = createClusterRunner({
      redis,
      log,
      // A turn may wait out a model outage for retryWindowS before it is answered or parked.
      replyTimeoutMs: (loaded.config.agents.defaults.retryWindowS + loaded.config.agents.defaults.requestTimeoutS * 3) * 1_000 + 30_000,
      onProgress: (line) => process.stderr.write(`nanobot: ${line}\n`),
    });
    return { run: runner.run, close: async () => (await runner.close(), void redis.disconnect()) };
  }
  // A missing provider is said before the agent's SDKs are loaded (a second on a busy machine).
  selectSpecProvider(loaded.config, resolveModelSpec(loaded.config));
  const { createLocalRunner } = await import('./chat/create-local-runner.js');
  return createLocalRunner({
    config: loaded.config,
    nanobotHome: loaded.nanobotHome,
    ...(process.env.PM2_HOME === undefined ? {} : { pm2Home: process.env.PM2_HOME }),
    configPath: loaded.path,
    log,
    env: process.env,
    runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    startedAt: Date.now(),
    ...(printer === undefined ? {} : { onStream: (text: string) => printer.update(text) }),
  });
}

async function ask(runner: ChatRunner, text: string, signal: AbortSignal): Promise<void> {
  const message = toChatMessage({ text, sessionKey, id: `cli-${randomUUID()}`, seq: Date.now(), now: Date.now() });
  const [first, ...rest] = await runner.run(message, signal);
  for (const [index, reply] of (first === undefined ? [] : [first, ...rest]).entries()) {
    if (index === 0 && printer?.finish(reply) === true) continue;
    process.stdout.write(`${reply}\n`);
  }
}

async function interactive(runner: ChatRunner, signal: AbortSignal): Promise<void> {
  const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  const prompt = () => process.stdout.write('You: ');
  process.stdout.write(`🐈 nanobot (session ${sessionKey}); type exit or press Ctrl+D to leave\n`);
  prompt();
  try {
    // Ends on Ctrl+D (end of input); piped lines are buffered while a turn runs.
    for await (const line of rl) {
      if (isExitWord(line) || signal.aborted) return;
      if (line.trim() !== '') await ask(runner, line, signal);
      prompt();
    }
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    return fail(describeError(err));
  }
  let runner: ChatRunner;
  try {
    runner = await createRunner(loaded);
  } catch (err) {
    if (!isAppError(err, 'CONFIG_INVALID')) return fail(describeError(err));
    const where = loaded.exists ? `fix it in ${loaded.path}` : `${loaded.path} does not exist yet: \`nanobot onboard\` creates it`;
    return fail(`cannot answer: ${describeError(err)}; ${where}`);
  }
  // Any exit (Ctrl+C included) takes the MCP servers and commands the tools started along.
  process.on('exit', () => runner.killNow?.());
  const abort = new AbortController();
  process.once('SIGINT', () => {
    abort.abort();
    process.stdout.write('\n');
    process.exit(130);
  });
  try {
    if (values.message !== undefined) await ask(runner, values.message, abort.signal);
    else await interactive(runner, abort.signal);
  } finally {
    await runner.close();
  }
  process.exit(0);
}

main().catch((err: unknown) => fail(describeError(err)));
