import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createWhatsappTraffic, fakeConfig, startFakeLlm, startFakeTelegram, startFakeWhatsappBridge, startRedis, withFakeWhatsapp,
  type Cluster, type FakeLlm, type FakeTelegram, type FakeWhatsappBridge, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = ['4915100000001', '4915100000002', '4915100000003', '4915100000004'].map((n) => `${n}@s.whatsapp.net`);
const stranger = '4915199999999@s.whatsapp.net';

describe('WhatsApp → agent → WhatsApp through pm2 and Redis', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let bridge: FakeWhatsappBridge;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    bridge = await startFakeWhatsappBridge();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeWhatsapp(
        fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }),
        bridge,
        chats.map((c) => c.split('@')[0] ?? c),
      ),
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-whatsapp', 'nanobot-agent']);
    await bridge.waitFor(() => bridge.openConnections() === 1, 20_000);
  });

  afterAll(async () => {
    await cluster?.destroy();
    await bridge?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('answers 20 messages from 4 chats exactly once each, in order per chat, and gives a stranger only a pairing code', async () => {
    const traffic = createWhatsappTraffic(bridge, { chats, prefix: 'rt' });
    for (let round = 0; round < 5; round += 1) traffic.round();
    bridge.injectMessage({ chat: stranger, text: 'let me in' });
    await traffic.waitAllAnswered(60_000);
    await sleep(1_500); // a duplicate would arrive now, if at all
    expect(traffic.report()).toEqual(cleanReport(20));
    // nanobot's DM pairing: one code, and the message never reaches the model.
    expect(bridge.sentTo(stranger).map((m) => m.text)).toEqual([expect.stringMatching(/pairing code: `[A-Z0-9]{4}-[A-Z0-9]{4}`/)]);
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('let me in'))).toBe(false);
    expect(bridge.unacked()).toEqual([]);
  }, 90_000);

  it('answers every message exactly once when the worker is killed with SIGKILL mid-flow', async () => {
    const traffic = createWhatsappTraffic(bridge, { chats, prefix: 'kill' });
    await traffic.stream(12, 120, async (round) => {
      if (round === 4) process.kill(await cluster.pidOf('nanobot-whatsapp'), 'SIGKILL');
    });
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect((await cluster.processes()).find((p) => p.name === 'nanobot-whatsapp')?.restarts).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('loses and duplicates nothing when the bridge restarts with frames unacknowledged both ways', async () => {
    const traffic = createWhatsappTraffic(bridge, { chats, prefix: 'restart' });
    bridge.failSends('crash-after-send');
    bridge.failSends('crash-before-send');
    await traffic.stream(6, 150, async (round) => {
      if (round === 3) await bridge.restart();
    });
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(bridge.sends().length).toBeGreaterThan(bridge.sent().length); // resends happened and were dropped
  }, 120_000);

  it('answers a stranger once `nanobot pairing approve` let them in, with one code before and none for a second message', async () => {
    const newcomer = '4915188888888@s.whatsapp.net';
    bridge.injectMessage({ chat: newcomer, text: 'newcomer hello' });
    await bridge.waitFor(() => bridge.sentTo(newcomer).length === 1, 30_000);
    const code = /[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(bridge.sentTo(newcomer)[0]?.text ?? '')?.[0] ?? '';
    bridge.injectMessage({ chat: newcomer, text: 'newcomer again' });
    // Frames are handled in order and replies leave one at a time: a second code would come first.
    bridge.injectMessage({ chat: chats[0] ?? '', text: 'pairing barrier' });
    await bridge.waitFor(() => bridge.sentTo(chats[0] ?? '').some((m) => m.text === 'echo: pairing barrier'), 30_000);
    expect(bridge.sentTo(newcomer)).toHaveLength(1);
    const approved = await cluster.nanobot('pairing', 'approve', code);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('4915188888888 can now talk to the bot on whatsapp');
    bridge.injectMessage({ chat: newcomer, text: 'newcomer in' });
    await bridge.waitFor(() => bridge.sentTo(newcomer).some((m) => m.text === 'echo: newcomer in'), 30_000);
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('newcomer again'))).toBe(false);
  }, 90_000);

  it('shows the bridge in `nanobot channels status`', async () => {
    const status = await cluster.nanobot('channels', 'status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/whatsapp\s+yes\s+bridge ws:\/\/127\.0\.0\.1:\d+ \(connected\)/);
    expect(status.stdout).toMatch(/telegram\s+yes/);
  });
});
