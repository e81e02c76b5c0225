import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

const codePattern = /[A-Z0-9]{4}-[A-Z0-9]{4}/;

describe('DM pairing through pm2, Redis and the fake Telegram', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  const owner = 7000;
  let barrier = 0;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    cluster = await createCluster({
      redisUrl: redis.url,
      config: fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl, allowFrom: [String(owner)] }),
    });
    // A sender nanobot itself approved before the move, in nanobot's pairing.json.
    await writeFile(join(cluster.home, 'pairing.json'), JSON.stringify({ approved: { telegram: ['6100|zed'] }, pending: {} }));
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  });

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  /**
   * The poller handles updates in order and replies leave one at a time, in order: once the
   * owner's answer to a message sent after the stranger's has arrived, any reply to the
   * stranger's message (a second code) would have arrived before it.
   */
  async function afterEverythingSent(): Promise<void> {
    barrier += 1;
    const text = `barrier ${barrier}`;
    telegram.injectMessage({ chatId: owner, text });
    await telegram.waitFor(() => telegram.sentTo(owner).some((m) => m.visibleText === `echo: ${text}`), 30_000);
  }

  const llmSaw = (text: string) => llm.requests().some((r) => JSON.stringify(r.body).includes(text));

  it('gives a stranger one code, none for a second message, and answers after `nanobot pairing approve`', async () => {
    const stranger = 6001;
    telegram.injectMessage({ chatId: stranger, text: 'hello, who are you?', username: 'eve' });
    await telegram.waitFor(() => telegram.sentTo(stranger).length === 1, 30_000);
    const code = codePattern.exec(telegram.sentTo(stranger)[0]?.visibleText ?? '')?.[0];
    expect(code).toBeDefined();
    expect(telegram.sentTo(stranger)[0]?.visibleText).toContain(`nanobot pairing approve ${code}`);

    telegram.injectMessage({ chatId: stranger, text: 'please let me in', username: 'eve' });
    await afterEverythingSent();
    expect(telegram.sentTo(stranger)).toHaveLength(1);
    expect(llmSaw('hello, who are you?') || llmSaw('please let me in')).toBe(false);

    const list = await cluster.nanobot('pairing', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(code);
    expect(list.stdout).toContain('6001|eve');

    const approved = await cluster.nanobot('pairing', 'approve', code ?? '');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('6001|eve can now talk to the bot on telegram');

    // No restart: the worker reads the approval at the next message.
    telegram.injectMessage({ chatId: stranger, text: 'am I in now?', username: 'eve' });
    await telegram.waitFor(() => telegram.sentTo(stranger).some((m) => m.visibleText === 'echo: am I in now?'), 30_000);
    expect(telegram.sentTo(stranger).map((m) => m.visibleText).slice(1)).toEqual(['echo: am I in now?']);

    // Kept where nanobot keeps it, in its format.
    const file = JSON.parse(await readFile(join(cluster.home, 'pairing.json'), 'utf8')) as { approved: Record<string, string[]> };
    expect(file.approved.telegram).toEqual(['6001|eve', '6100|zed']);
    expect((await cluster.nanobot('pairing', 'approve', code ?? '')).code).toBe(1);
  });

  it('answers a sender approved in nanobot\'s pairing.json before the cluster started', async () => {
    telegram.injectMessage({ chatId: 6100, text: 'approved by nanobot', username: 'zed' });
    await telegram.waitFor(() => telegram.sentTo(6100).length >= 1, 30_000);
    expect(telegram.sentTo(6100).map((m) => m.visibleText)).toEqual(['echo: approved by nanobot']);
  });

  it('ignores a stranger whose code was denied', async () => {
    const stranger = 6002;
    telegram.injectMessage({ chatId: stranger, text: 'hi there' });
    await telegram.waitFor(() => telegram.sentTo(stranger).length === 1, 30_000);
    const code = codePattern.exec(telegram.sentTo(stranger)[0]?.visibleText ?? '')?.[0] ?? '';
    const denied = await cluster.nanobot('pairing', 'deny', code.toLowerCase());
    expect(denied.code, denied.stderr).toBe(0);
    telegram.injectMessage({ chatId: stranger, text: 'pretty please' });
    await afterEverythingSent();
    expect(telegram.sentTo(stranger)).toHaveLength(1);
    expect(llmSaw('pretty please')).toBe(false);
    expect((await cluster.nanobot('pairing', 'list')).stdout).not.toContain(code);
  });

  it('never answers a stranger in a group, not even with a code', async () => {
    telegram.injectMessage({ chatId: -100, fromId: 6003, chatType: 'group', text: '@bot hello' });
    await afterEverythingSent();
    expect(telegram.sentTo(-100)).toEqual([]);
  });

  it('lists the chat commands in the bot menu, and `nanobot status --json` gives the cluster as JSON', async () => {
    expect((telegram.commands() as Array<{ command: string }>).map((c) => c.command)).toEqual(expect.arrayContaining(['history', 'status', 'new', 'stop', 'help', 'start']));
    const status = await cluster.nanobot('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { processes: Array<{ name: string; status: string }>; channels: Array<{ name: string; state: string }>; health: { ok: boolean } };
    expect(parsed.processes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'nanobot-telegram', status: 'online' })]));
    expect(parsed.channels).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'telegram', state: 'running' })]));
    expect(parsed.health.ok).toBe(true);
  });
});
