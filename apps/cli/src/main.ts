import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describeError } from '@nanobot/core';
import { createRedisClient, resolveHostName } from '@nanobot/bus';
import { allowFromWarnings, isSelected, loadConfig, parseOnly, selectableApps, type LoadedConfig } from '@nanobot/config';
import { registerAgentCommand } from './agent-command.js';
import { registerChannelsCommand } from './channels-command.js';
import { registerCronCommands } from './cron-command.js';
import { checkProvider, registerDoctorCommand } from './doctor-command.js';
import { registerFailedCommands } from './failed-command.js';
import { registerLogsCommand } from './logs-command.js';
import { registerPairingCommand } from './pairing-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerOnboardCommand } from './onboard-command.js';
import { createIsGone, createPm2Control } from '@nanobot/ops';
import { printClusterState, printConfigSummary, printProcesses, toApiLine, toDashboardLine } from './show-status.js';
import { printStatusJson } from './status-json-command.js';
import { startCluster } from './start-cluster.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ecosystemPath = resolve(root, 'ecosystem.config.js');
const print = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

async function configOrExit(): Promise<LoadedConfig> {
  try {
    const loaded = await loadConfig({ env: process.env, homeDir: homedir() });
    for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
    return loaded;
  } catch (err) {
    return fail(`nanobot: ${describeError(err)}`);
  }
}

function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    fail('nanobot: redis-server is not installed. Install it (Debian: `sudo apt-get install -y redis-server`) or set REDIS_URL to an existing Redis.');
  }
}

/** The repository's version (the root package.json), as `nanobot --version` prints it. */
function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    // A broken install still runs the CLI; the version is only informative.
    return 'unknown';
  }
}

const program = new Command();
program
  .name('nanobot')
  .description('nanobot cluster: a personal AI assistant on Telegram, WhatsApp and the terminal')
  .version(readVersion(), '-v, --version', 'print the version of nanobot cluster');

registerOnboardCommand(program, { configOrExit, print, fail });

program
  .command('start')
  .description('start the cluster under pm2 (with the embedded Redis when REDIS_URL is not set)')
  .option('--only <apps>', `start only these apps, comma-separated (${selectableApps.join(', ')}); also NANOBOT_ONLY`)
  .action(async (options: { only?: string }) => {
    const loaded = await configOrExit();
    const only = selectOnly(options.only, loaded);
    if (loaded.redis.embedded && isSelected(only, 'nanobot-redis')) requireRedisServer();
    warnIfNoModel(loaded);
    warnAboutAllowFrom(loaded);
    await startAndReport(loaded);
  });

/** Starts every app with a line as each comes up, then says where the dashboard is; exit 1 if an app did not. */
async function startAndReport(loaded: LoadedConfig): Promise<void> {
  const pm2 = createPm2Control();
  let ok: boolean;
  try {
    ok = await startCluster({ pm2, ecosystemPath, loaded, print });
  } finally {
    pm2.disconnect();
  }
  print(`Dashboard: ${toDashboardLine(loaded)}`);
  if (loaded.config.api !== undefined) print(`API:       ${toApiLine(loaded.config.api)}`);
  if (!ok) fail('nanobot: an app did not come up; see `nanobot status` and `nanobot logs <app>`');
}

/** `--only` (or NANOBOT_ONLY), checked here and passed on to the ecosystem file, which pm2 loads in this process. */
function selectOnly(flag: string | undefined, loaded: LoadedConfig): ReturnType<typeof parseOnly> {
  if (flag !== undefined) process.env.NANOBOT_ONLY = flag;
  let only: ReturnType<typeof parseOnly>;
  try {
    only = parseOnly(process.env.NANOBOT_ONLY);
  } catch (err) {
    fail(`nanobot: ${describeError(err)}`);
  }
  if (only !== undefined && loaded.redis.embedded && !isSelected(only, 'nanobot-redis')) {
    process.stderr.write('warning: --only without redis and no REDIS_URL: the apps look for the embedded Redis on this host; set REDIS_URL to the shared Redis\n');
  }
  return only;
}

/** The cluster still starts (messages queue up), but the user should know why nothing answers. */
function warnIfNoModel(loaded: LoadedConfig): void {
  const model = checkProvider(loaded);
  if (!model.ok) process.stderr.write(`warning: ${model.detail}; the agent waits (and messages queue up) until then, followed by \`nanobot restart\`\n`);
}

/** Username entries keep working; the operator should still hear that they can change hands. */
function warnAboutAllowFrom(loaded: LoadedConfig): void {
  for (const warning of allowFromWarnings(loaded)) process.stderr.write(`warning: ${warning}\n`);
}

const stopAll = async () => {
  const pm2 = createPm2Control();
  try {
    const ours = (await pm2.list()).filter((p) => p.name.startsWith('nanobot-'));
    const names = [...new Set(ours.map((p) => p.name))];
    // Workers before the embedded Redis, so they can finish what they hold.
    names.sort((a, b) => Number(a === 'nanobot-redis') - Number(b === 'nanobot-redis'));
    for (const name of names) {
      await pm2.remove(name);
      print(`stopped ${name}`);
    }
    if (names.length === 0) print('nothing was running');
  } finally {
    pm2.disconnect();
  }
};

program.command('stop').description('stop every nanobot process').action(stopAll);

program
  .command('restart')
  .description('stop, then start the cluster again with the current config')
  .action(async () => {
    const loaded = await configOrExit();
    if (loaded.redis.embedded) requireRedisServer();
    warnAboutAllowFrom(loaded);
    await stopAll();
    await startAndReport(loaded);
  });

program
  .command('status')
  .description('config, processes, channel states and queue counts')
  .option('--json', 'the same picture as one JSON document')
  .action(async (options: { json?: boolean }) => {
    const loaded = await configOrExit();
    if (options.json === true) return printStatusJson(loaded);
    printConfigSummary(loaded, print);
    const pm2 = createPm2Control();
    try {
      printProcesses(await pm2.list(), print);
    } finally {
      pm2.disconnect();
    }
    let redis: ReturnType<typeof createRedisClient> | undefined;
    try {
      // Inside the try: an unreadable redis.tls file is reported like an unreachable Redis.
      redis = createRedisClient(loaded.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
      redis.on('error', () => undefined); // reported below through the failed connect()
      await redis.connect();
      await printClusterState(redis, print, { loaded, isGone: createIsGone(resolveHostName(process.env, hostname()), (pid) => process.kill(pid, 0)) });
    } catch (err) {
      print(`Redis:     unreachable (${describeError(err)})`);
    } finally {
      redis?.disconnect();
    }
  });

registerAgentCommand(program);
registerChannelsCommand(program);
registerCronCommands(program);
registerDoctorCommand(program);
registerFailedCommands(program);
registerLogsCommand(program);
registerPairingCommand(program);
registerServeCommand(program, root);
program.parseAsync(process.argv).catch((err: unknown) => fail(`nanobot: ${describeError(err)}`));
