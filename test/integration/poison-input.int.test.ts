import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, parseConfig } from '@nanobot/config';
import { bullPrefix, queueNames } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import {
  startFakeLlm, startFakeTelegram, startFakeWhatsappBridge, startRedis,
  type FakeLlm, type FakeTelegram, type FakeWhatsappBridge, type RedisServer,
} from '@nanobot/testkit';
import { createAgentWorker, type AgentWorker } from '../../apps/agent/src/create-agent-worker.js';
import { listFailed, type FailedJob } from '@nanobot/ops';
import { createTelegramWorker } from '../../apps/telegram/src/telegram-worker.js';
import { createWhatsappWorker, type WhatsappWorker } from '../../apps/whatsapp/src/whatsapp-worker.js';

/** What every process logs at warn and above, to check that no user text is in it. */
const lines: string[] = [];
const log = createLogger({
  name: 'poison', level: 'warn',
  destination: new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) }),
});
const privateWords = 'private words of the user';
/** On an idle cluster a reply takes well under a second; a blocked channel never answers. */
const onTimeMs = 5_000;

/**
 * Input that a channel cannot read is parked in the failed set (raw payload and reason,
 * `nanobot failed` lists it) and never holds up the messages behind it. Real workers, the real
 * agent and a real Redis; Telegram, WhatsApp and the model are the protocol fakes.
 */
describe('poison input is parked and never blocks a channel', () => {
  let redis: RedisServer;
  let client: Redis;
  let llm: FakeLlm;
  let telegram: FakeTelegram;
  let bridge: FakeWhatsappBridge;
  let workspace: string;
  let agent: AgentWorker;
  let telegramWorker: ReturnType<typeof createTelegramWorker>;
  let whatsappWorker: WhatsappWorker;
  const fatal = (err: unknown) => {
    throw err;
  };

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    llm = await startFakeLlm();
    telegram = await startFakeTelegram();
    bridge = await startFakeWhatsappBridge();
    workspace = await mkdtemp(join(tmpdir(), 'nb-poison-'));
    const config = parseConfig(
      { agents: { defaults: { workspace, provider: 'custom', model: 'test-model' } }, providers: { custom: { apiBase: llm.baseUrl } } },
      { env: {}, homeDir: tmpdir(), nanobotHome: tmpdir(), source: 'test' },
    ).config;
    agent = createAgentWorker({ config, nanobotHome: workspace, redisUrl: redis.url, log, env: {}, runtime: 'test', timeZone: 'UTC', startedAt: Date.now() });
    await agent.start();
    const settings = configSchema.parse({
      channels: { telegram: { enabled: true, token: telegram.token, apiRoot: telegram.apiRoot, allowFrom: ['*'], pollTimeoutS: 1 } },
    }).channels.telegram;
    telegramWorker = createTelegramWorker({ settings, redisUrl: redis.url, log, holder: 'test:0', instance: '0', pid: process.pid });
    await telegramWorker.start(fatal);
    whatsappWorker = createWhatsappWorker({
      redisUrl: redis.url, bridgeUrl: bridge.url, token: async () => bridge.token,
      policy: { allowFrom: ['*'], groupPolicy: 'mention' }, log, heartbeatMs: 1_000, instance: '0', pid: process.pid,
    });
    await whatsappWorker.start(fatal);
    await telegram.waitFor(() => telegram.calls('getUpdates').length > 0);
    await bridge.waitFor(() => bridge.openConnections() === 1);
  });

  afterAll(async () => {
    await telegramWorker?.stop('test over');
    await whatsappWorker?.stop('test over');
    await agent?.stop();
    client?.disconnect();
    await bridge?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  async function failedJobs(ids: string[]): Promise<Map<string, FailedJob>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const failed = new Map((await listFailed(client, 100)).map((job) => [job.id, job]));
      if (ids.every((id) => failed.has(id)) || Date.now() > deadline) return failed;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function rawPayload(id: string): Promise<unknown> {
    const queue = new Queue(queueNames.inbound, { connection: client, prefix: bullPrefix });
    try {
      return (await queue.getJob(id))?.data;
    } finally {
      await queue.close();
    }
  }

  it('parks Telegram updates with a null message, a numeric text or an object caption, and answers the next chat on time', async () => {
    const sender = { id: 501, is_bot: false, first_name: 'P' };
    const message = { message_id: 5, date: 0, chat: { id: 501, type: 'private' }, from: sender };
    const nullMessage = telegram.injectUpdate({ message: null });
    const numericText = telegram.injectUpdate({ message: { ...message, text: 1234 } });
    const objectCaption = telegram.injectUpdate({ message: { ...message, message_id: 6, photo: [], caption: { text: privateWords } } });
    const started = Date.now();
    telegram.injectMessage({ chatId: 502, text: 'after the poison' });

    await telegram.waitFor(() => telegram.sentTo(502).length === 1, onTimeMs);
    expect(Date.now() - started).toBeLessThan(onTimeMs);
    expect(telegram.sentTo(502)[0]?.visibleText).toBe('echo: after the poison');

    const ids = [nullMessage, numericText, objectCaption].map((u) => `tg-${telegram.botId}-${u.update_id}`);
    const failed = await failedJobs(ids);
    expect(ids.map((id) => failed.get(id)?.reason)).toEqual([
      'invalid inbound message: message is not an object',
      'invalid inbound message: message text is not a string',
      'invalid inbound message: message caption is not a string',
    ]);
    expect(await rawPayload(ids[1]!)).toMatchObject({ malformed: true, update: { update_id: numericText.update_id, message: { text: 1234 } } });
    await telegram.waitFor(() => telegram.confirmedOffset() > objectCaption.update_id, 5_000);
    expect(telegram.sentTo(501)).toEqual([]);
  });

  it('acknowledges and parks a WhatsApp message frame that fails validation, and answers the next chat on time', async () => {
    const alice = '4915100000001@s.whatsapp.net';
    const bob = '4915100000002@s.whatsapp.net';
    const badId = bridge.injectRawFrame({
      type: 'message', id: 'BAD1', sender: alice, pn: alice, content: privateWords, timestamp: 'yesterday', isGroup: false,
      deliveryId: `${alice}/BAD1`, seq: 1,
    });
    const started = Date.now();
    bridge.injectMessage({ chat: bob, text: 'after the bad frame' });

    await bridge.waitFor(() => bridge.sentTo(bob).length === 1, onTimeMs);
    expect(Date.now() - started).toBeLessThan(onTimeMs);
    expect(bridge.sentTo(bob)[0]?.text).toBe('echo: after the bad frame');

    await bridge.waitFor(() => bridge.unacked().length === 0, 5_000);
    expect(bridge.acked()).toContain(badId);
    const failed = await failedJobs([`wa-${badId}`]);
    expect(failed.get(`wa-${badId}`)?.reason).toBe('invalid inbound message: invalid message frame at timestamp: Invalid input: expected number, received string');
    expect(await rawPayload(`wa-${badId}`)).toMatchObject({ malformed: true, frame: { id: 'BAD1', timestamp: 'yesterday' } });
    expect(bridge.sentTo(alice)).toEqual([]);

    // Sent again (a bridge that lost the ack): acknowledged again, parked once.
    bridge.dropConnections();
    await bridge.waitFor(() => bridge.openConnections() === 1, 10_000);
    const again = bridge.injectRawFrame({ type: 'message', id: 'BAD1', sender: alice, timestamp: 'yesterday', deliveryId: `${alice}/BAD1` });
    await bridge.waitFor(() => bridge.acked().filter((id) => id === again).length === 2, 5_000);
    expect((await listFailed(client, 100)).filter((job) => job.id === `wa-${badId}`)).toHaveLength(1);
  });

  it('keeps user text out of the warn lines, which name the ids and the reason', () => {
    const parked = lines.filter((line) => /malformed (update|whatsapp frame) parked/.test(line));
    expect(parked.length).toBeGreaterThanOrEqual(4);
    expect(parked.join('')).toContain('message caption is not a string');
    expect(lines.join('')).not.toContain(privateWords);
  });
});
