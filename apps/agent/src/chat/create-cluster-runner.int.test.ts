import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createClusterRunner } from './create-cluster-runner.js';
import { toChatMessage } from './to-chat-message.js';

const log = createLogger({ name: 'cluster-runner-int', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('nanobot agent through the cluster', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await client.quit();
    await redis.close();
  });

  const answer = (inReplyTo: string, part: string, text: string) => ({
    kind: 'reply' as const, id: `${inReplyTo}-${part}`, inReplyTo, channel: 'cli' as const, chatId: 'direct', text, format: 'plain' as const,
  });

  it('shows the model-outage notice while it waits, then the answer', async () => {
    const progress: string[] = [];
    const runner = createClusterRunner({ redis: client, log, replyTimeoutMs: 10_000, pollMs: 20, onProgress: (line) => progress.push(line) });
    const queues = createQueues(client, log);
    const message = toChatMessage({ text: 'hi', sessionKey: 'cli:direct', id: 'cli-outage-1', seq: 1, now: Date.now() });
    const reply = runner.run(message, new AbortController().signal);
    await sleep(100);
    await queues.addOutbound(answer(message.id, 'notice-0', 'The model is not answering right now.'));
    await sleep(200);
    expect(progress).toEqual(['The model is not answering right now.']);
    await queues.addOutbound(answer(message.id, 'reply', 'hello'));
    expect(await reply).toEqual(['hello']);
    await queues.close();
    await runner.close();
  });

  it('ends with the message that the turn was parked when the model stayed down', async () => {
    const runner = createClusterRunner({ redis: client, log, replyTimeoutMs: 10_000, pollMs: 20 });
    const queues = createQueues(client, log);
    const message = toChatMessage({ text: 'hi', sessionKey: 'cli:direct', id: 'cli-outage-2', seq: 2, now: Date.now() });
    const reply = runner.run(message, new AbortController().signal);
    await queues.addOutbound(answer(message.id, 'gaveup-0', 'The model has not answered for 10 minutes.'));
    expect(await reply).toEqual(['The model has not answered for 10 minutes.']);
    await queues.close();
    await runner.close();
  });
});
