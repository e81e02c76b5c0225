import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, createSentMarkers, queueNames } from '@nanobot/bus';
import { createWebClient } from './slack-api.js';
import { createLogger } from '@nanobot/log';
import { startFakeSlack, startRedis, type FakeSlack, type RedisServer } from '@nanobot/testkit';
import { createSlackWorker, type SlackWorker } from './slack-worker.js';

const log = createLogger({ name: 'slack-int', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const pingTimeoutMs = 1_000;

describe('the Slack worker against the fake Socket Mode server', () => {
  let redis: RedisServer;
  let client: Redis;
  let inbound: Queue;
  let slack: FakeSlack;
  let worker: SlackWorker;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // one test stops Redis on purpose; the client reconnects
    inbound = new Queue(queueNames.inbound, { connection: client, prefix: bullPrefix });
    inbound.on('error', () => undefined);
  });
  afterAll(async () => {
    await inbound.close();
    client.disconnect();
    await redis.close();
  });

  beforeEach(async () => {
    await client.flushall();
    slack = await startFakeSlack({ pingIntervalMs: 200, ackTimeoutMs: 1_000, retryDelaysMs: Array.from({ length: 20 }, () => 500) });
    worker = createSlackWorker({
      redisUrl: redis.url, botToken: slack.botToken, appToken: slack.appToken, apiBase: slack.apiBase, log,
      policy: { allowFrom: ['*'], groupPolicy: 'mention', groupAllowFrom: [], groupRequireMention: false, dm: { enabled: true, policy: 'open', allowFrom: [] }, replyInThread: true },
      serverPingTimeoutMs: pingTimeoutMs, mediaDir: join(await mkdtemp(join(tmpdir(), 'slack-media-')), 'slack'), holder: 'test:0', instance: '0', pid: process.pid,
    });
    await worker.start((err) => {
      throw err;
    });
    await slack.waitFor(() => slack.openConnections() === 1);
  });
  afterEach(async () => {
    await worker.stop('test over');
    await slack.close();
  });

  it('keeps a pinged connection past the watchdog window, and drops a silent one and connects again', async () => {
    // The watchdog allows two ping timeouts without a ping or pong; this is well past that.
    await new Promise((r) => setTimeout(r, pingTimeoutMs * 4));
    expect(slack.connectionsOpened()).toBe(1);
    slack.goSilent(true);
    await slack.waitFor(() => slack.openConnections() === 0, 10_000);
    slack.goSilent(false);
    await slack.waitFor(() => slack.openConnections() === 1 && slack.connectionsOpened() === 2, 10_000);
  }, 30_000);

  it('acknowledges an envelope only once its job is in Redis, and queues a retried one once', async () => {
    slack.ignoreAcks(true);
    slack.injectMessage({ channel: 'D1', user: 'U1', text: 'hello' });
    await slack.waitFor(() => slack.deliveries().some((d) => d.retryAttempt >= 2), 10_000);
    slack.ignoreAcks(false);
    await slack.waitFor(() => slack.pendingEnvelopes() === 0, 10_000);
    const jobs = await inbound.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed']);
    expect(jobs.map((j) => j.id)).toEqual([`slack-D1-${slack.messages('D1')[0]?.ts ?? ''}`]);
    expect(slack.givenUp()).toEqual([]);
  }, 30_000);

  it('leaves an envelope unacknowledged while Redis is away; Slack\'s retry lands once Redis is back', async () => {
    await redis.stop();
    slack.injectMessage({ channel: 'D2', user: 'U2', text: 'while redis is away' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(slack.acked()).toEqual([]);
    await redis.restart();
    await slack.waitFor(() => slack.pendingEnvelopes() === 0 && slack.acked().length === 1, 20_000);
    const jobs = await inbound.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed']);
    expect(jobs).toHaveLength(1);
  }, 40_000);

  it('posts a reply as mrkdwn into its thread, once, after waiting out a 429', async () => {
    const queues = createQueues(client, log);
    try {
      slack.failNextPosts('rate-limited');
      await queues.addOutbound({
        kind: 'reply', id: 'slack-C1-1-reply', inReplyTo: 'slack-C1-1', channel: 'slack', chatId: 'C1', threadId: '1700000000.000100',
        text: '**done** & [docs](https://example.com)', format: 'markdown',
      });
      await slack.waitFor(() => slack.sent().length === 1, 15_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(slack.sent()).toMatchObject([{ channel: 'C1', threadTs: '1700000000.000100', text: '*done* &amp; <https://example.com|docs>' }]);
      expect(slack.sent()[0]?.metadata?.event_type).toBe('nanobot_reply');
    } finally {
      await queues.close();
    }
  }, 30_000);

  it('does not post again a chunk left `sending` that is already in its thread, and posts one that is not', async () => {
    const queues = createQueues(client, log);
    const markers = createSentMarkers(client);
    try {
      const root = slack.startThread('C2', 'U1', 'a thread');
      // A previous process posted chunk 0 of this reply (tagged), then died before its sent-marker.
      await createWebClient(slack.botToken, slack.apiBase).chat.postMessage({
        channel: 'C2', thread_ts: root, text: 'already there', metadata: { event_type: 'nanobot_reply', event_payload: { ref: markers.ref('slack-C2-2-reply', 0) } },
      });
      await markers.markSending('slack-C2-2-reply', 0, { floor: Math.floor(Date.now() / 1000), text: 'already there' });
      await markers.markSending('slack-C2-3-reply', 0, { floor: Math.floor(Date.now() / 1000), text: 'never arrived' });
      const reply = { kind: 'reply', channel: 'slack', chatId: 'C2', threadId: root, format: 'plain' } as const;
      await queues.addOutbound({ ...reply, id: 'slack-C2-2-reply', inReplyTo: 'slack-C2-2', text: 'already there' });
      await queues.addOutbound({ ...reply, id: 'slack-C2-3-reply', inReplyTo: 'slack-C2-3', text: 'never arrived' });
      await slack.waitFor(() => slack.sent().length === 2, 15_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(slack.sent().map((m) => [m.threadTs, m.text])).toEqual([[root, 'already there'], [root, 'never arrived']]);
      expect(await markers.get('slack-C2-2-reply', 0)).toBe('sent');
      expect(await markers.get('slack-C2-3-reply', 0)).toBe('sent');
    } finally {
      await queues.close();
    }
  }, 30_000);

  it('downloads the files of an accepted message into the media folder, with the bot token', async () => {
    slack.injectMessage({ channel: 'D3', user: 'U3', text: 'see this', files: [{ name: 'notes.txt', mimetype: 'text/plain', content: 'file body' }] });
    await slack.waitFor(() => slack.pendingEnvelopes() === 0, 10_000);
    const [job] = await inbound.getJobs(['waiting', 'active', 'completed']);
    const data = job?.data as { text: string; media: string[] };
    expect(data.media).toHaveLength(1);
    expect(await readFile(data.media[0] ?? '', 'utf8')).toBe('file body');
    expect(data.text).toBe(`see this\n[file: ${data.media[0] ?? ''}]`);
  }, 20_000);
});
