import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createSlackTraffic, createTraffic, fakeConfig, startFakeLlm, startFakeSlack, startFakeTelegram, startRedis,
  withFakeSlack, type Cluster, type FakeLlm, type FakeSlack, type FakeTelegram, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** "On time": well under what a user notices, far below any restart backoff of the broken channel. */
const onTimeMs = 5_000;

describe('Slack faults through the cluster', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let onceFile: string;

  const botPostsTo = (channel: string) => slack.sent().filter((m) => m.channel === channel);

  beforeAll(async () => {
    redis = await startRedis();
    slack = await startFakeSlack({ ackTimeoutMs: 1_000, retryDelaysMs: Array.from({ length: 60 }, () => 1_000), pingIntervalMs: 2_000 });
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeSlack(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), slack, ['*']),
    });
    // The Slack worker kills itself with SIGKILL right after Slack answers its first
    // chat.postMessage, before the sent-marker is written; once across restarts (the file).
    onceFile = join(cluster.home, 'fault-point-fired');
    cluster.env.NANOBOT_FAULT_POINT = 'after-send';
    cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
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

  it('posts once when the worker is killed between Slack\'s answer and the sent-marker', async () => {
    const traffic = createSlackTraffic(slack, { conversations: [{ channel: 'D0KILL', user: 'U2001' }], prefix: 'after-send' });
    traffic.round();
    await slack.waitFor(() => existsSync(onceFile), 30_000);
    await cluster.waitOnline(['nanobot-slack']);
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(2));
    expect(botPostsTo('D0KILL')).toHaveLength(2);
    expect(await cluster.logs('nanobot-slack')).toContain('reply chunk found in the conversation, not posting it again');
  }, 90_000);

  it('posts once when the answer to a post is lost, and posts again when the post provably failed', async () => {
    // Whichever reply goes first meets the lost answer, the other the 503.
    const traffic = createSlackTraffic(slack, { conversations: [{ channel: 'D0LOST', user: 'U2002' }, { channel: 'D0FAIL', user: 'U2003' }], prefix: 'lost' });
    // The first post is made and its answer dropped; the next one answers 503 and posts nothing.
    slack.failNextPosts('post-then-drop', 'unavailable');
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(2));
    expect(botPostsTo('D0LOST')).toHaveLength(1);
    expect(botPostsTo('D0FAIL')).toHaveLength(1);
    // Both were put back at the head of the queue (later replies wait), none failed into a retry.
    const logs = await cluster.logs('nanobot-slack');
    expect(logs).toContain('slack unavailable, reply put back');
    expect(logs).not.toContain('reply failed');
  }, 60_000);

  /** Kills `name` with SIGKILL every `everyMs` until the returned stop() (a crash loop). */
  function crashLoop(name: string, everyMs: number): () => Promise<number> {
    let kills = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const pid = await cluster.pidOf(name).catch(() => 0); // between restarts there is no pid
        if (pid > 0) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
        }
        await sleep(everyMs);
      }
    })();
    return async () => {
      running = false;
      await loop;
      return kills;
    };
  }

  it('answers Telegram on time while the Slack worker crash-loops, and Slack catches up afterwards', async () => {
    const slackWhileBroken = createSlackTraffic(slack, { conversations: [{ channel: 'D0LOOP', user: 'U2004' }], prefix: 'queued' });
    slackWhileBroken.round();
    const traffic = createTraffic(telegram, { chats: [8201, 8202, 8203], prefix: 'tg-with-slack-down' });
    const stopCrashing = crashLoop('nanobot-slack', 500);
    await traffic.stream(15, 300);
    await traffic.waitAllAnswered(30_000);
    const kills = await stopCrashing();
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(Math.max(...traffic.latencies())).toBeLessThan(onTimeMs);

    await slackWhileBroken.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(slackWhileBroken.report()).toEqual(cleanReport(1));
  }, 150_000);
});
