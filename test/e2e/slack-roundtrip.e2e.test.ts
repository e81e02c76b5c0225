import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createSlackTraffic, fakeConfig, startFakeLlm, startFakeSlack, startFakeTelegram, startRedis, withFakeSlack,
  type Cluster, type FakeLlm, type FakeSlack, type FakeTelegram, type RedisServer, type SlackConversation,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const allowed = ['U1001', 'U1002', 'U1003', 'U1004', 'U1005', 'U1006', 'U1007', 'U1008', 'U1009', 'U1010'];

/**
 * Slack through the real pm2 cluster: the fake speaks Socket Mode (connections.open, hello,
 * envelopes that must be acknowledged, retries of unacknowledged ones) and the Web API.
 * Five DMs and five channel threads (messages mention the bot) make the ten conversations.
 */
describe('Slack channel through the cluster', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let conversations: SlackConversation[];

  const settle = async () => {
    await sleep(2_000); // a late second copy would show up within this pause
  };

  beforeAll(async () => {
    redis = await startRedis();
    // Retries as Slack makes them but sooner: an unacknowledged envelope is resent 1 s after
    // it was due, up to 30 times (Slack: 3 times over ~5 minutes).
    slack = await startFakeSlack({ ackTimeoutMs: 1_000, retryDelaysMs: Array.from({ length: 30 }, () => 1_000), pingIntervalMs: 2_000 });
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    conversations = [
      ...allowed.slice(0, 5).map((user, i) => ({ channel: `D00${i}`, user })),
      ...allowed.slice(5).map((user, i) => ({ channel: `C00${i}`, user, threadTs: slack.startThread(`C00${i}`, user, 'a thread') })),
    ];
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeSlack(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), slack, allowed),
    });
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed: ${started.stderr}`);
    await cluster.waitOnline(['nanobot-slack', 'nanobot-telegram', 'nanobot-agent']);
    await slack.waitFor(() => slack.openConnections() === 1, 30_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await slack?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('answers 50 messages from 10 conversations exactly once and in order, and ignores a stranger', async () => {
    const traffic = createSlackTraffic(slack, { conversations, prefix: 'sl' });
    slack.injectMessage({ channel: 'D099', user: 'U0STRANGER', text: 'let me in' });
    slack.injectMessage({ channel: 'C000', user: 'U1006', text: 'no mention here' });
    await traffic.stream(5, 200);
    await traffic.waitAllAnswered(60_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(50));
    expect(slack.messages('D099').filter((m) => m.bot)).toEqual([]);
    expect(slack.sent().some((m) => m.text.includes('no mention here'))).toBe(false);
    // Channel replies go to the thread; every envelope was acknowledged.
    expect(slack.sent().filter((m) => m.channel.startsWith('C')).every((m) => m.threadTs !== undefined)).toBe(true);
    await slack.waitFor(() => slack.pendingEnvelopes() === 0, 10_000);
    expect(slack.givenUp()).toEqual([]);
  }, 120_000);

  it('loses and doubles nothing when the Slack worker is killed with -9 mid-flow', async () => {
    const traffic = createSlackTraffic(slack, { conversations, prefix: 'kill' });
    const restartsBefore = (await cluster.processes()).find((p) => p.name === 'nanobot-slack')?.restarts ?? 0;
    await traffic.stream(5, 300, async (round) => {
      if (round === 2) process.kill(await cluster.pidOf('nanobot-slack'), 'SIGKILL');
    });
    await traffic.waitAllAnswered(90_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(50));
    expect((await cluster.processes()).find((p) => p.name === 'nanobot-slack')?.restarts).toBeGreaterThan(restartsBefore);
    expect(slack.givenUp()).toEqual([]);
  }, 150_000);

  it('loses and doubles nothing while envelopes go unacknowledged and are retried', async () => {
    const traffic = createSlackTraffic(slack, { conversations, prefix: 'retry' });
    const deliveriesBefore = slack.deliveries().length;
    // Acks are thrown away for a while: the fake keeps resending every envelope (retry_attempt 1, 2, …,
    // retry_reason timeout) 1 s after its 1 s ack timeout, as Slack does on its slower schedule.
    slack.ignoreAcks(true);
    await traffic.stream(3, 200);
    await slack.waitFor(() => traffic.total() === 30 && slack.deliveries().slice(deliveriesBefore).filter((d) => d.retryAttempt >= 3).length >= 30, 60_000);
    slack.ignoreAcks(false);
    traffic.round();
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(50));
    const retried = slack.deliveries().slice(deliveriesBefore).filter((d) => d.retryAttempt > 0);
    expect(retried.length).toBeGreaterThanOrEqual(60);
    expect(retried.every((d) => d.retryReason === 'timeout')).toBe(true);
    await slack.waitFor(() => slack.pendingEnvelopes() === 0, 20_000);
    expect(slack.givenUp()).toEqual([]);
  }, 180_000);

  it('loses and doubles nothing across a connection cut for 60 s, even where Slack gave its retries up', async () => {
    const traffic = createSlackTraffic(slack, { conversations, prefix: 'cut' });
    const givenUpBefore = slack.givenUp().length;
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    // Cut (no disconnect message; connections.open answers 503 until restore()): messages written
    // meanwhile find no connection; the fake retries each every 1 s, 30 times, then gives it up.
    slack.cut();
    await traffic.stream(3, 1_000);
    await sleep(60_000 - 3_000);
    expect(slack.givenUp().length).toBeGreaterThan(givenUpBefore); // Slack's retries ran out for these
    slack.restore();
    traffic.round();
    await traffic.waitAllAnswered(90_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(50));
    expect(await cluster.logs('nanobot-slack')).toContain('caught up with slack messages missed while disconnected');
  }, 240_000);

  it('shows in nanobot status, channels status and doctor', async () => {
    const status = await cluster.nanobot('status');
    expect(status.stdout).toMatch(/slack/);
    expect(status.stdout).toContain('outbound-slack');
    expect(status.stdout).toMatch(/Health:\s+ok/);
    const channels = await cluster.nanobot('channels', 'status');
    expect(channels.stdout).toMatch(/slack\s+yes\s+socket mode/);
    const doctor = await cluster.nanobot('doctor');
    expect(doctor.stdout).toMatch(/✓ slack\s+bot token valid: @nanobot/);
  }, 60_000);

  it('reconnects on refresh_requested and link_disabled disconnects without losing what comes meanwhile', async () => {
    const traffic = createSlackTraffic(slack, { conversations: conversations.slice(0, 4), prefix: 'refresh' });
    const openedBefore = slack.connectionsOpened();
    slack.sendDisconnect('refresh_requested', 200);
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    slack.sendDisconnect('link_disabled', 200);
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(8));
    expect(slack.connectionsOpened()).toBeGreaterThanOrEqual(openedBefore + 2);
  }, 120_000);
});
