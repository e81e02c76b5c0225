import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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


function redisCli(port: number, ...args: string[]): string {
  const result = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 });
  return `${result.stdout}${result.stderr}`.trim();
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
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

  it('`nanobot start` without REDIS_URL runs its own Redis with AOF and noeviction; `stop` ends everything', async () => {
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    const port = await freePort();
    cluster = await createCluster({
      config: { ...fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), redis: { port } },
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-redis', 'nanobot-telegram', 'nanobot-agent']);
    await waitFor(() => redisCli(port, 'PING') === 'PONG', 10_000, 'embedded redis');
    expect(redisCli(port, 'CONFIG', 'GET', 'appendonly')).toContain('yes');
    expect(redisCli(port, 'CONFIG', 'GET', 'maxmemory-policy')).toContain('noeviction');
    expect(redisCli(port, 'CONFIG', 'GET', 'dir')).toContain(`${cluster.home}/redis`);

    telegram.injectMessage({ chatId: 42, text: 'hello' });
    await telegram.waitFor(() => telegram!.sentTo(42).length === 1, 20_000);

    const status = await cluster.nanobot('status');
    expect(status.stdout).toMatch(/nanobot-redis\s+online/);
    expect(status.stdout).toMatch(/nanobot-telegram\s+online/);
    expect(status.stdout).toMatch(/nanobot-agent\s+online/);
    expect(status.stdout).toContain(`embedded (nanobot-redis) on port ${port}`);

    const stopped = await cluster.nanobot('stop');
    expect(stopped.code).toBe(0);
    expect((await cluster.processes()).filter((p) => p.name.startsWith('nanobot-'))).toEqual([]);
    await waitFor(() => redisCli(port, 'PING') !== 'PONG', 10_000, 'embedded redis to stop');
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
