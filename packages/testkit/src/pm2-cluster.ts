import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './redis-server.js';

/** The repository root: this file is at packages/testkit/{src,dist}/. */
export const repoRoot = resolve(import.meta.dirname, '../../..');
const pm2Bin = join(repoRoot, 'node_modules/pm2/bin/pm2');
const nanobotBin = join(repoRoot, 'apps/cli/bin/nanobot.js');

export type ClusterOptions = {
  /** Written as config.json; merged over a base that points at the fakes. */
  config: Record<string, unknown>;
  redisUrl?: string;
  agentInstances?: number;
  telegramInstances?: number;
  discordInstances?: number;
  schedulerInstances?: number;
  /** LOG_LEVEL of the cluster's processes (default debug: tests read the logs). */
  logLevel?: string;
};

export type RunResult = { code: number; stdout: string; stderr: string };

export type Cluster = {
  home: string;
  pm2Home: string;
  env: NodeJS.ProcessEnv;
  nanobot(...args: string[]): Promise<RunResult>;
  pm2(...args: string[]): Promise<RunResult>;
  /** `pm2 jlist` as objects. */
  processes(): Promise<Array<{ name: string; pmId: number; pid: number; status: string; restarts: number }>>;
  pidOf(name: string): Promise<number>;
  waitOnline(names: string[], timeoutMs?: number): Promise<void>;
  logs(name: string): Promise<string>;
  /** Stops the apps and the pm2 daemon this cluster started, and removes its folders. */
  destroy(): Promise<void>;
};

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [command, ...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

export async function writeConfig(home: string, config: Record<string, unknown>): Promise<void> {
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'config.json'), JSON.stringify(config, null, 2));
}

export async function createCluster(options: ClusterOptions): Promise<Cluster> {
  const base = await mkdtemp(join(tmpdir(), 'nanobot-e2e-'));
  const home = join(base, 'home');
  const pm2Home = join(base, 'pm2');
  await writeConfig(home, options.config);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: base,
    NANOBOT_HOME: home,
    PM2_HOME: pm2Home,
    LOG_LEVEL: options.logLevel ?? 'debug',
    NANOBOT_AGENT_INSTANCES: String(options.agentInstances ?? 1),
    NANOBOT_TELEGRAM_INSTANCES: String(options.telegramInstances ?? 1),
    NANOBOT_DISCORD_INSTANCES: String(options.discordInstances ?? 1),
    NANOBOT_SCHEDULER_INSTANCES: String(options.schedulerInstances ?? 1),
    ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
    // Every cluster runs a dashboard: on a port of its own unless the test chose one, so
    // clusters of tests running side by side never share gateway.port (18790).
    ...((options.config.gateway as { port?: unknown } | undefined)?.port === undefined ? { NANOBOT_GATEWAY__PORT: String(await freePort()) } : {}),
  };
  const cluster: Cluster = {
    home,
    pm2Home,
    env,
    nanobot: (...args) => run(nanobotBin, args, env),
    pm2: (...args) => run(pm2Bin, args, env),
    async processes() {
      const result = await run(pm2Bin, ['jlist'], env);
      // A freshly spawned daemon prints its banner first; the JSON is the line of its own.
      const json = result.stdout.split('\n').find((line) => line.startsWith('[{') || line.trim() === '[]') ?? '[]';
      const list = JSON.parse(json) as Array<{
        name: string;
        pm_id: number;
        pid: number;
        pm2_env: { status: string; restart_time: number };
      }>;
      return list.map((p) => ({ name: p.name, pmId: p.pm_id, pid: p.pid, status: p.pm2_env.status, restarts: p.pm2_env.restart_time }));
    },
    async pidOf(name) {
      const p = (await cluster.processes()).find((x) => x.name === name && x.status === 'online' && x.pid > 0);
      if (p === undefined || p.pid === 0) throw new Error(`${name} is not online`);
      return p.pid;
    },
    async waitOnline(names, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const list = await cluster.processes();
        if (names.every((n) => list.some((p) => p.name === n && p.status === 'online' && p.pid > 0))) return;
        if (Date.now() > deadline) throw new Error(`not online in time: ${JSON.stringify(list)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async logs(name) {
      const dir = join(pm2Home, 'logs');
      if (!existsSync(dir)) return '';
      const files = readdirSync(dir).filter((f) => f.startsWith(name));
      const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
      return texts.join('\n');
    },
    async destroy() {
      // The apps may already be gone; `pm2 kill` below ends whatever is left.
      await run(nanobotBin, ['stop'], env).catch(() => undefined);
      // `pm2 kill` ends the daemon this cluster started (its PM2_HOME), nothing else.
      spawnSync(process.execPath, [pm2Bin, 'kill'], { env, stdio: 'ignore', timeout: 30_000 });
      await rm(base, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** A config pointing the cluster at the fakes. */
export function fakeConfig(options: { apiRoot: string; token: string; llmBaseUrl: string; allowFrom?: string[] }): Record<string, unknown> {
  return {
    agents: { defaults: { provider: 'custom', model: 'test-model', maxConcurrentTurns: 4 } },
    providers: { custom: { apiKey: 'test-key', apiBase: options.llmBaseUrl } },
    channels: {
      telegram: {
        enabled: true,
        token: options.token,
        apiRoot: options.apiRoot,
        allowFrom: options.allowFrom ?? ['*'],
        pollTimeoutS: 2,
        // Replies arrive whole, so a test reads each one in the fake's list of sent messages; the
        // streamed path (on by default) has tests of its own that set this to true.
        streaming: false,
      },
    },
  };
}
