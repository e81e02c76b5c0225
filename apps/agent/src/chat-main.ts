import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { describeError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { connectionOptions, readStatuses } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { createClusterRunner } from './chat/create-cluster-runner.js';
import { createLocalRunner, type ChatRunner } from './chat/create-local-runner.js';
import { isExitWord, toChatMessage } from './chat/to-chat-message.js';

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
 * The cluster is running when its Redis answers and an agent instance reported in. A refused
 * connection fails at once; the timeout only matters for a Redis that does not answer at all.
 */
async function connectCluster(loaded: LoadedConfig): Promise<Redis | undefined> {
  const redis = new Redis(loaded.redis.url, { ...connectionOptions('producer'), lazyConnect: true, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', (err: Error) => log.debug({ err }, 'cluster redis not reachable'));
  try {
    await redis.connect();
    if ((await readStatuses(redis)).some((s) => s.app === 'nanobot-agent')) return redis;
    log.info('no agent instance is running, answering in this process');
  } catch (err) {
    log.info({ err }, 'cluster redis not reachable, answering in this process');
  }
  redis.disconnect();
  return undefined;
}

async function createRunner(loaded: LoadedConfig): Promise<ChatRunner> {
  const redis = values.local ? undefined : await connectCluster(loaded);
  if (redis !== undefined) {
    log.info('sending through the running cluster');
    const runner = createClusterRunner({ redis, log, replyTimeoutMs: loaded.config.agents.defaults.requestTimeoutS * 3_000 + 30_000 });
    return { run: runner.run, close: async () => (await runner.close(), void redis.disconnect()) };
  }
  return createLocalRunner({
    config: loaded.config,
    nanobotHome: loaded.nanobotHome,
    configPath: loaded.path,
    log,
    env: process.env,
    runtime: `Node.js ${process.version} on ${process.platform} ${process.arch}`,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    startedAt: Date.now(),
  });
}

async function ask(runner: ChatRunner, text: string, signal: AbortSignal): Promise<void> {
  const message = toChatMessage({ text, sessionKey, id: `cli-${randomUUID()}`, seq: Date.now(), now: Date.now() });
  for (const reply of await runner.run(message, signal)) process.stdout.write(`${reply}\n`);
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
    return fail(describeError(err));
  }
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
