import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCluster,
  fakeConfig,
  freePort,
  startFakeLlm,
  startFakeTelegram,
  writeConfig,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
} from '@nanobot/testkit';


/** redis-cli as a local user would run it; with the password it goes in REDISCLI_AUTH, never argv. */
function redisCli(port: number, password: string | undefined, ...args: string[]): string {
  const env = { PATH: process.env.PATH, ...(password === undefined ? {} : { REDISCLI_AUTH: password }) };
  const result = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000, env });
  return `${result.stdout}${result.stderr}`.trim();
}

const passwordOf = (home: string) => readFileSync(join(home, 'redis', 'password'), 'utf8').trim();

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `pm2 jlist` of the cluster's PM2_HOME (pm2 may print lines before the JSON). */
async function jlistOf<T>(cluster: Cluster): Promise<T[]> {
  const { stdout } = await cluster.pm2('jlist');
  return JSON.parse(stdout.split('\n').find((l) => l.startsWith('[')) ?? '[]') as T[];
}

/** pm2-logrotate runs as a pm2 module of this PM2_HOME, with our settings in `pm2 conf` and its environment. */
async function expectLogRotation(cluster: Cluster, expected: { maxSize: string; retain: string }): Promise<void> {
  const conf = JSON.parse(readFileSync(join(cluster.pm2Home, 'module_conf.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  expect(conf['pm2-logrotate']).toMatchObject({ max_size: expected.maxSize, retain: expected.retain });
  expect(Object.keys(conf['module-db-v2'] ?? {})).toContain('pm2-logrotate');
  const shown = await cluster.pm2('conf', 'pm2-logrotate');
  expect(shown.stdout).toContain(`pm2 set pm2-logrotate:max_size ${expected.maxSize}`);
  const list = await jlistOf<{ name: string; pid: number; pm2_env: { pmx_module?: boolean; status: string } }>(cluster);
  const module = list.find((p) => p.name === 'pm2-logrotate');
  expect(module?.pm2_env).toMatchObject({ pmx_module: true, status: 'online' });
  const environ = readFileSync(`/proc/${module?.pid}/environ`, 'utf8');
  expect(environ).toContain(`"max_size":"${expected.maxSize}"`);
  expect(environ).toContain(`"retain":"${expected.retain}"`);
  const ls = await cluster.pm2('ls');
  expect(ls.stdout).toMatch(/Module/);
}

describe('cluster lifecycle with the embedded Redis', () => {
  let cluster: Cluster | undefined;
  let telegram: FakeTelegram | undefined;
  let llm: FakeLlm | undefined;

  afterEach(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    cluster = undefined;
  });

  it('`nanobot start` without REDIS_URL runs its own Redis with AOF, noeviction and a password; `stop` ends everything', async () => {
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    const port = await freePort();
    cluster = await createCluster({
      config: {
        ...fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }),
        redis: { port },
        logs: { maxSizeMb: 5, retainFiles: 3 },
      },
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    // A line per app as it comes up (redis first), then log rotation and the dashboard's address.
    const lines = started.stdout.split('\n');
    expect(lines[0]).toBe('Starting 5 apps under pm2...');
    expect(lines[1]).toMatch(/^ {2}nanobot-redis\s+online\s+pid \d+/);
    for (const app of ['nanobot-telegram', 'nanobot-agent', 'nanobot-scheduler', 'nanobot-dashboard']) {
      expect(started.stdout).toMatch(new RegExp(`\\n {2}${app}\\s+ready\\s+pid \\d+\\s+\\d+\\.\\ds\\n`));
    }
    expect(started.stdout).toContain('Log rotation: pm2-logrotate, each log file rotated above 5 MB and daily, 3 rotated files kept');
    expect(lines.at(-2)).toBe(`Dashboard: http://127.0.0.1:${cluster.env.NANOBOT_GATEWAY__PORT} (health: /health)`);
    await cluster.waitOnline(['nanobot-redis', 'nanobot-telegram', 'nanobot-agent', 'pm2-logrotate']);
    await expectLogRotation(cluster, { maxSize: '5M', retain: '3' });
    const password = passwordOf(cluster.home);
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(cluster.home, 'redis', 'password')).mode & 0o777).toBe(0o600);
    expect(statSync(join(cluster.home, 'redis')).mode & 0o777).toBe(0o700);
    await waitFor(() => redisCli(port, password, 'PING') === 'PONG', 10_000, 'embedded redis');
    // Another local user, without the password, can neither read nor queue anything.
    expect(redisCli(port, undefined, 'PING')).toMatch(/NOAUTH/);
    expect(redisCli(port, undefined, 'KEYS', '*')).toMatch(/NOAUTH/);
    expect(redisCli(port, 'not-the-password', 'PING')).toMatch(/WRONGPASS|invalid password/i);
    expect(redisCli(port, password, 'CONFIG', 'GET', 'appendonly')).toContain('yes');
    expect(redisCli(port, password, 'CONFIG', 'GET', 'maxmemory-policy')).toContain('noeviction');
    expect(redisCli(port, password, 'CONFIG', 'GET', 'dir')).toContain(`${cluster.home}/redis`);
    // The password is in no command line (`ps` shows those to every user) and no app's environment.
    for (const name of ['nanobot-redis', 'nanobot-telegram', 'nanobot-agent']) {
      const pid = await cluster.pidOf(name);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), name).not.toContain(password);
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8'), name).not.toContain(password);
    }
    // Every Node app runs with the ecosystem's memory settings: 1 MB semi-spaces, no source maps
    // read at load, two malloc arenas (design-notes L26, L31).
    // (pm2 rewrites each process's title over its argv, so its node_args are read from jlist.)
    const apps = await jlistOf<{ name: string; pm2_env: { node_args?: string[] } }>(cluster);
    for (const name of ['nanobot-telegram', 'nanobot-agent', 'nanobot-scheduler', 'nanobot-dashboard']) {
      const pid = await cluster.pidOf(name);
      expect(apps.find((a) => a.name === name)?.pm2_env.node_args, name).toContain('--max-semi-space-size=1');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ, name).toContain('disable_source_map_support=true');
      expect(environ, name).toContain('MALLOC_ARENA_MAX=2');
    }

    telegram.injectMessage({ chatId: 42, text: 'hello' });
    await telegram.waitFor(() => telegram!.sentTo(42).length === 1, 20_000);

    const status = await cluster.nanobot('status');
    expect(status.stdout).toMatch(/nanobot-redis\s+online/);
    expect(status.stdout).toMatch(/nanobot-telegram\s+online/);
    expect(status.stdout).toMatch(/nanobot-agent\s+online/);
    expect(status.stdout).toContain(`embedded (nanobot-redis) on port ${port}`);
    expect(status.stdout).toMatch(/inbound\s+waiting 0/);
    expect(`${status.stdout}${status.stderr}`).not.toContain(password);
    const failed = await cluster.nanobot('failed');
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toContain('No failed jobs.');
    const doctor = await cluster.nanobot('doctor');
    expect(doctor.stdout).toMatch(/redis\s+reachable, noeviction/);
    expect(`${doctor.stdout}${doctor.stderr}`).not.toContain(password);

    // A second start changes nothing that runs: the apps are already there, and so is the module.
    const logrotatePid = await cluster.pidOf('pm2-logrotate');
    await writeConfig(cluster.home, {
      ...fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }),
      redis: { port },
      logs: { maxSizeMb: 7, retainFiles: 4 },
    });
    const again = await cluster.nanobot('start');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('3 rotated files kept'.replace('3', '4'));
    await cluster.waitOnline(['pm2-logrotate']);
    // Changed settings restart the module with them.
    await expectLogRotation(cluster, { maxSize: '7M', retain: '4' });
    expect(await cluster.pidOf('pm2-logrotate')).not.toBe(logrotatePid);

    const stopped = await cluster.nanobot('stop');
    expect(stopped.code).toBe(0);
    expect((await cluster.processes()).filter((p) => p.name.startsWith('nanobot-'))).toEqual([]);
    await waitFor(() => redisCli(port, password, 'PING') !== 'PONG', 10_000, 'embedded redis to stop');
    // The next start keeps the password it generated.
    expect(passwordOf(cluster.home)).toBe(password);
  });

  it('`pm2 start ecosystem.config.js` starts the same cluster from the same config', async () => {
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    const port = await freePort();
    cluster = await createCluster({
      config: { ...fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), redis: { port } },
    });
    const started = await cluster.pm2('start', 'ecosystem.config.js');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-redis', 'nanobot-telegram', 'nanobot-agent']);
    // pm2's own @pm2/io is not loaded into our processes: it would swallow unhandled rejections.
    for (const name of ['nanobot-telegram', 'nanobot-agent']) {
      const environ = readFileSync(`/proc/${await cluster.pidOf(name)}/environ`, 'utf8').split('\0');
      expect(environ).toContain('pmx=false');
    }
    expect(redisCli(port, undefined, 'PING')).toMatch(/NOAUTH/);
    expect(redisCli(port, passwordOf(cluster.home), 'PING')).toBe('PONG');
    telegram.injectMessage({ chatId: 43, text: 'via pm2' });
    await telegram.waitFor(() => telegram!.sentTo(43).length === 1, 20_000);
    expect(telegram.sentTo(43)[0]?.visibleText).toBe('echo: via pm2');
  });

  it('a config with a wrong type stops `nanobot start` with the field named, before anything starts', async () => {
    cluster = await createCluster({ config: {} });
    await writeConfig(cluster.home, {
      channels: { telegram: { enabled: true, token: '1:x', allowFrom: 'x' } },
    });
    const started = await cluster.nanobot('start');
    expect(started.code).not.toBe(0);
    expect(started.stderr).toContain('channels.telegram.allowFrom');
    expect(started.stderr).not.toContain('1:x');
    expect(await cluster.processes()).toEqual([]);
  });
});
