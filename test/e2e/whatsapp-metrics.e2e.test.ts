import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster, fakeConfig, startFakeLlm, startFakeTelegram, startFakeWhatsappBridge, startRedis, withFakeWhatsapp,
  type Cluster, type FakeLlm, type FakeTelegram, type FakeWhatsappBridge, type RedisServer,
} from '@nanobot/testkit';
import { logLines, metricsOf, num, waitFor } from '../support/pm2-jlist.js';

const chat = '4915100000001@s.whatsapp.net';

describe('WhatsApp worker: pm2 metrics, restart-channel and /restart', () => {
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
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeWhatsapp(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), bridge, [chat.split('@')[0] ?? chat]),
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-whatsapp', 'nanobot-agent']);
    await bridge.waitFor(() => bridge.openConnections() === 1, 20_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await bridge?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('shows its metrics in `pm2 jlist`, moving with traffic', async () => {
    await waitFor(async () => (await metricsOf(cluster, 'nanobot-whatsapp'))['Channel state'] === 'running', 'whatsapp metrics');
    expect(await metricsOf(cluster, 'nanobot-whatsapp')).toMatchObject({ 'Channel restarts': 0, 'Messages in/min': 0, 'Messages out/min': 0, 'Queue depth': 0 });
    bridge.injectMessage({ chat, text: 'one' });
    bridge.injectMessage({ chat, text: 'two' });
    await bridge.waitFor(() => bridge.sentTo(chat).length === 2, 30_000);
    await waitFor(async () => {
      const m = await metricsOf(cluster, 'nanobot-whatsapp');
      return num(m['Messages in/min']) === 2 && num(m['Messages out/min']) === 2 && num(m['Reply latency p95']) > 0;
    }, 'whatsapp metrics to count the traffic');
  });

  it('`pm2 trigger nanobot-whatsapp restart-channel` reconnects to the bridge in the same process', async () => {
    const pid = await cluster.pidOf('nanobot-whatsapp');
    const connections = bridge.authenticatedConnections();
    const triggered = await cluster.pm2('trigger', 'nanobot-whatsapp', 'restart-channel');
    expect(triggered.code, triggered.stderr).toBe(0);
    expect(triggered.stdout).toContain('restarting the whatsapp channel');
    await bridge.waitFor(() => bridge.authenticatedConnections() === connections + 1 && bridge.openConnections() === 1, 20_000);
    const lines = await logLines(cluster, 'nanobot-whatsapp');
    expect(lines.some((l) => l.msg === 'Restarting whatsapp channel on request...' && l.reason === 'pm2 trigger restart-channel')).toBe(true);
    expect(await cluster.pidOf('nanobot-whatsapp')).toBe(pid);
    await waitFor(async () => (await metricsOf(cluster, 'nanobot-whatsapp'))['Channel restarts'] === 1, 'the restart in the metrics');
  });

  it('`/restart` in a WhatsApp chat restarts the bridge link and says so', async () => {
    const pid = await cluster.pidOf('nanobot-whatsapp');
    const connections = bridge.authenticatedConnections();
    const before = bridge.sentTo(chat).length;
    bridge.injectMessage({ chat, text: '/restart' });
    await bridge.waitFor(() => bridge.sentTo(chat).length === before + 1, 30_000);
    expect(bridge.sentTo(chat).at(-1)?.text).toBe('Restarting the whatsapp channel…');
    await bridge.waitFor(() => bridge.authenticatedConnections() === connections + 1, 20_000);
    const lines = await logLines(cluster, 'nanobot-whatsapp');
    expect(lines.some((l) => l.msg === 'Restarting whatsapp channel on request...' && (l.reason ?? '').startsWith('/restart from whatsapp:'))).toBe(true);
    expect(await cluster.pidOf('nanobot-whatsapp')).toBe(pid);
    bridge.injectMessage({ chat, text: 'after' });
    await bridge.waitFor(() => bridge.sentTo(chat).length === before + 2, 30_000);
  });
});
