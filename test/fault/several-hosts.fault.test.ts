import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startRedis,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls an asynchronous condition every 100 ms until it holds. */
async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() >= deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await sleep(100);
  }
}
const lastUserText = (body: unknown) => {
  const text = JSON.stringify(body);
  return text.slice(text.lastIndexOf('"user"'));
};

/**
 * Three "hosts" on this machine, each its own PM2_HOME, NANOBOT_HOME and NANOBOT_HOST, on one
 * Redis: host A runs the Telegram channel, hosts B and C only agents (`--only agent`). Host B
 * disappears mid-turn (its pm2 daemon and its agent killed with -9, so nothing restarts them):
 * host C finishes every turn, each answered once and in order, and `nanobot status` on host A
 * lists every host, B as gone once its records went stale.
 */
describe('several hosts on one Redis', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let client: Redis;
  const hosts: Record<'a' | 'b' | 'c', Cluster | undefined> = { a: undefined, b: undefined, c: undefined };

  async function host(name: 'a' | 'b' | 'c', only: string): Promise<Cluster> {
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    const cluster = await createCluster({ redisUrl: redis.url, config });
    cluster.env.NANOBOT_HOST = `host-${name}`;
    hosts[name] = cluster;
    const started = await cluster.nanobot('start', '--only', only);
    if (started.code !== 0) throw new Error(`host ${name}: nanobot start failed (${started.code}): ${started.stderr}`);
    return cluster;
  }

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    client?.disconnect();
    for (const cluster of Object.values(hosts)) await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('host C finishes every turn of host B, killed mid-turn; status on host A lists every host', async () => {
    const chats = [9501, 9502, 9503];
    let holding = true;
    let held = 0;
    let release: (() => void) | undefined;
    const released = new Promise<void>((r) => (release = r));
    llm.setResponder(async (request) => {
      const text = lastUserText(request.body);
      const token = /hosts-(\d+)-(\d)/.exec(text);
      if (token === null) return { content: 'unrelated' };
      if (holding) {
        held += 1;
        await released;
      }
      return { content: `reply ${token[1]}-${token[2]}` };
    });

    const a = await host('a', 'telegram');
    const b = await host('b', 'agent');
    await a.waitOnline(['nanobot-telegram']);
    await b.waitOnline(['nanobot-agent']);
    // pm2-logrotate is pm2's own module, which `nanobot start` installs on every host; the apps are what --only chose.
    const apps = async (host: typeof a) => (await host.processes()).map((p) => p.name).filter((name) => name !== 'pm2-logrotate');
    expect(await apps(a)).toEqual(['nanobot-telegram']);
    expect(await apps(b)).toEqual(['nanobot-agent']);

    // Only host B has an agent: it takes the first message of every chat and holds the model request.
    for (const chatId of chats) telegram.injectMessage({ chatId, text: `hosts-${chatId}-1` });
    await telegram.waitFor(() => held === chats.length, 30_000);
    for (const chatId of chats) telegram.injectMessage({ chatId, text: `hosts-${chatId}-2` });
    const c = await host('c', 'agent');
    await c.waitOnline(['nanobot-agent']);
    await until(async () => (await client.keys('nb:status:nanobot-agent:host-c:*')).length === 1, 30_000);

    // Host B disappears: its pm2 daemon first (nothing restarts its agent), then the agent.
    const daemon = Number(readFileSync(join(b.pm2Home, 'pm2.pid'), 'utf8').trim());
    const agent = await b.pidOf('nanobot-agent');
    process.kill(daemon, 'SIGKILL');
    process.kill(agent, 'SIGKILL');
    const killedAt = Date.now();
    holding = false;
    release?.();

    await telegram.waitFor(() => chats.every((chatId) => telegram.sentTo(chatId).length > 0), 30_000);
    const firstReplyMs = Date.now() - killedAt;
    await telegram.waitFor(() => chats.every((chatId) => telegram.sentTo(chatId).length >= 2), 60_000);
    await sleep(3_000);
    console.log(`several hosts: host B killed, host C's first replies within ${firstReplyMs} ms`);
    for (const chatId of chats) {
      expect(telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual([`reply ${chatId}-1`, `reply ${chatId}-2`]);
    }
    // Every turn was finished by host C: its agent's log names each re-run and later job.
    expect(await c.logs('nanobot-agent')).toContain('job of a dead worker moved back to wait');

    // Host B's status records expire 15 s after its last report; then status on host A says it is gone.
    await until(async () => (await client.keys('nb:status:*:host-b:*')).length === 0, 30_000);
    const status = await a.nanobot('status');
    expect(status.code).toBe(0);
    const section = status.stdout.slice(status.stdout.indexOf('Hosts:'), status.stdout.indexOf('Queues:'));
    console.log(section);
    expect(section).toMatch(/host-a +up +1 process/);
    expect(section).toMatch(/nanobot-telegram#0/);
    expect(section).toMatch(/host-b +gone +last report \d+s ago/);
    expect(section).toMatch(/host-c +up +1 process/);
    expect(section).toMatch(/nanobot-agent#0 +pid \d+ +agent running/);
  }, 240_000);
});
