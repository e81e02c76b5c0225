import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, createSentMarkers, queueNames, readTraffic, workerReliability } from '@nanobot/bus';
import type { OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeWhatsappBridge, startRedis, type FakeWhatsappBridge, type RedisServer } from '@nanobot/testkit';
import { createWhatsappWorker, type WhatsappWorker } from './whatsapp-worker.js';

const alice = '4911111111@s.whatsapp.net';
const log = createLogger({ name: 'whatsapp-int', level: 'silent' });
const heartbeatMs = 300;

const reply = (id: string, text: string, chatId = alice): OutboundMessage => ({
  kind: 'reply', id, inReplyTo: id.replace(/-reply$/, ''), channel: 'whatsapp', chatId, text, format: 'plain',
});

describe('the WhatsApp worker against a fake bridge', () => {
  let redis: RedisServer;
  let client: Redis;
  let inbound: Queue;
  let bridge: FakeWhatsappBridge;
  let worker: WhatsappWorker;
  let queues: ReturnType<typeof createQueues>;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // one test stops Redis on purpose; the client reconnects
    inbound = new Queue(queueNames.inbound, { connection: client, prefix: bullPrefix });
    inbound.on('error', () => undefined); // as above: the Redis outage is the point of one test
    queues = createQueues(client, log);
  });
  afterAll(async () => {
    await inbound.close();
    await queues.close();
    client.disconnect();
    await redis.close();
  });

  async function startWorker(putBackDelayMs?: (count: number) => number): Promise<WhatsappWorker> {
    const started = createWhatsappWorker({
      redisUrl: redis.url, bridgeUrl: bridge.url, token: async () => bridge.token,
      policy: { allowFrom: ['*'], groupPolicy: 'mention' }, log, heartbeatMs, ackTimeoutMs: 1_000, instance: 't', pid: 1,
      ...(putBackDelayMs === undefined ? {} : { putBackDelayMs }),
    });
    await started.start((err) => {
      throw err;
    });
    await bridge.waitFor(() => bridge.openConnections() === 1);
    return started;
  }

  beforeEach(async () => {
    await client.flushall();
    bridge = await startFakeWhatsappBridge();
    worker = await startWorker();
  });
  afterEach(async () => {
    await worker.stop('test over');
    await bridge.close();
  });

  const inboundIds = async () => (await inbound.getJobs(['waiting', 'active', 'delayed', 'completed'])).map((j) => j.id).sort();

  it('queues messages and acknowledges each only once it is in Redis', async () => {
    const ids = [bridge.injectMessage({ chat: alice, text: 'one' }), bridge.injectMessage({ chat: alice, text: 'two' })];
    await bridge.waitFor(() => bridge.acked().length === 2);
    expect(await inboundIds()).toEqual(ids.map((id) => `wa-${id}`).sort());
    const job = await inbound.getJob(`wa-${ids[0]}`);
    expect(job?.data).toMatchObject({ channel: 'whatsapp', chatId: alice, text: 'one', sessionKey: `whatsapp:${alice}` });
  });

  it('does not acknowledge while Redis is down, and delivers once Redis is back', async () => {
    await redis.stop();
    const id = bridge.injectMessage({ chat: alice, text: 'during the outage' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(bridge.acked()).toEqual([]);
    await redis.restart();
    await bridge.waitFor(() => bridge.acked().includes(id), 15_000);
    expect(await inboundIds()).toEqual([`wa-${id}`]);
  });

  it('sends a reply once, split in order, and marks each chunk sent after the ack', async () => {
    const long = `${'a'.repeat(3_000)}\n\n${'b'.repeat(3_000)}`;
    await queues.addOutbound(reply('m1-reply', long));
    await bridge.waitFor(() => bridge.sent().length === 2);
    expect(bridge.sent().map((s) => [s.to, s.text[0], s.id])).toEqual([[alice, 'a', 'm1-reply-0'], [alice, 'b', 'm1-reply-1']]);
    const markers = createSentMarkers(client);
    await new Promise((r) => setTimeout(r, 100)); // the marker follows the ack
    expect(await markers.get('m1-reply', 1)).toBe('sent');
  });

  it('counts a message in and its reply out, with its latency, for the dashboard\'s chart', async () => {
    const id = bridge.injectMessage({ chat: alice, text: 'count me' });
    await bridge.waitFor(() => bridge.acked().includes(id));
    const traffic = async () => (await readTraffic(client, { now: Date.now(), minutes: 2 })).reduce((sum, m) => ({ in: sum.in + m.in, out: sum.out + m.out, replies: sum.replies + m.latencyCount }), { in: 0, out: 0, replies: 0 });
    await expect.poll(traffic, { timeout: 5_000 }).toEqual({ in: 1, out: 0, replies: 0 });
    await queues.addOutbound(reply(`wa-${id}-reply`, 'counted'));
    await bridge.waitFor(() => bridge.sent().length === 1);
    await expect.poll(traffic, { timeout: 5_000 }).toEqual({ in: 1, out: 1, replies: 1 });
  });

  it('reconnects within the heartbeat window when the bridge stops answering pings', async () => {
    const before = bridge.authenticatedConnections();
    bridge.setPongs(false);
    const started = Date.now();
    await bridge.waitFor(() => bridge.authenticatedConnections() > before, 5_000);
    // Detection takes at most two heartbeats; the first reconnect follows 250 ms later.
    expect(Date.now() - started).toBeLessThan(heartbeatMs * 2 + 250 + 500);
  });

  it('loses and duplicates nothing when the bridge restarts with unacknowledged frames both ways', async () => {
    // Outbound: the bridge sends to WhatsApp and dies before acking; inbound: frames written, never acked.
    bridge.failSends('crash-after-send');
    await queues.addOutbound(reply('m2-reply', 'survives the crash'));
    const first = bridge.injectMessage({ chat: alice, text: 'before' });
    await bridge.waitFor(() => bridge.sends().length >= 2, 10_000);
    const second = bridge.injectMessage({ chat: alice, text: 'while down' });
    await bridge.waitFor(() => bridge.acked().includes(first) && bridge.acked().includes(second), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(bridge.sent().map((s) => s.id)).toEqual(['m2-reply-0']);
    expect(await inboundIds()).toEqual([`wa-${first}`, `wa-${second}`].sort());
  });

  it('puts a reply back while WhatsApp is unavailable and sends it when it is back', async () => {
    bridge.failSends('unavailable', 2);
    await queues.addOutbound(reply('m3-reply', 'eventually'));
    await bridge.waitFor(() => bridge.sent().length === 1, 10_000);
    expect(bridge.sends()).toHaveLength(3);
    expect(bridge.sent()[0]?.text).toBe('eventually');
  });

  it('sends the reply a killed predecessor had in hand before a later reply to the same chat', async () => {
    await worker.stop('making way for a predecessor');
    // A sender that takes a reply and dies: the job stays active under its lock until it expires.
    await queues.addOutbound(reply('k1-reply', 'in hand when the worker died'));
    const dead = new Worker(queueNames.outbound('whatsapp'), null, { connection: client, prefix: bullPrefix, ...workerReliability });
    const taken = await dead.getNextJob('dead-worker-token');
    expect(taken?.id).toBe('k1-reply');
    await queues.addOutbound(reply('k2-reply', 'sent after the restart'));

    worker = await startWorker();
    await bridge.waitFor(() => bridge.sent().length === 2, 20_000);
    expect(bridge.sent().map((s) => s.id)).toEqual(['k1-reply-0', 'k2-reply-0']);
    await dead.close(true);
  });

  it('records a reply acknowledged while Redis restarts once Redis is back, and keeps the next reply behind it', async () => {
    // The bridge acknowledges the first send while Redis is down, so its sent-marker waits for Redis.
    bridge.failSends('slow-ack');
    await queues.addOutbound(reply('r1-reply', 'acknowledged while Redis restarts'));
    await queues.addOutbound(reply('r2-reply', 'the next one'));
    await bridge.waitFor(() => bridge.sends().length === 1, 10_000);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    await redis.restart();
    await bridge.waitFor(() => bridge.sent().length === 2, 20_000);
    await new Promise((r) => setTimeout(r, 1_000)); // a resend would come now
    expect(bridge.sends().map((s) => s.id)).toEqual(['r1-reply-0', 'r2-reply-0']);
  });

  describe('with put-back holds far longer than the test waits', () => {
    const longHoldMs = 30_000;
    beforeEach(async () => {
      await worker.stop('restarting with long holds');
      worker = await startWorker(() => longHoldMs);
    });

    it('sends a held reply as soon as the bridge link is back', async () => {
      await bridge.stop();
      await queues.addOutbound(reply('h1-reply', 'held while the bridge was away'));
      await new Promise((r) => setTimeout(r, 1_000)); // put back, now held for 30 s
      const back = Date.now();
      await bridge.start();
      await bridge.waitFor(() => bridge.sent().length === 1, 15_000);
      expect(bridge.sent()[0]).toMatchObject({ id: 'h1-reply-0', text: 'held while the bridge was away' });
      // Reconnecting takes at most 2 s; the hold is lifted on connect.
      expect(Date.now() - back).toBeLessThan(5_000);
    });

    it('sends a held reply as soon as the bridge reports WhatsApp connected again', async () => {
      bridge.setLink('qr');
      bridge.failSends('unavailable', 1);
      await queues.addOutbound(reply('h2-reply', 'held while WhatsApp was away'));
      await queues.addOutbound(reply('h3-reply', 'and the one after it'));
      await bridge.waitFor(() => bridge.sends().length === 1, 10_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(bridge.sends()).toHaveLength(1); // the later reply waits behind the held one
      const back = Date.now();
      bridge.setLink('connected');
      await bridge.waitFor(() => bridge.sent().length === 2, 15_000);
      expect(bridge.sent().map((s) => s.id)).toEqual(['h2-reply-0', 'h3-reply-0']);
      expect(Date.now() - back).toBeLessThan(3_000);
    });
  });
});
