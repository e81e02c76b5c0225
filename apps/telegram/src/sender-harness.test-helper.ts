import { Queue, RateLimitError, type Job } from 'bullmq';
import { Api } from 'grammy';
import { Redis } from 'ioredis';
import { bullPrefix, createSentMarkers, type PutBackKind, type SentMarkers } from '@nanobot/bus';
import type { OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeTelegram, startRedis, type FakeTelegram, type RedisServer } from '@nanobot/testkit';
import { createSender, type SenderDeps } from './send-outbound.js';

export type LogLine = { level: string; msg: string; [key: string]: unknown };

/** A sender under test: a private Redis, the fake Bot API, real grammY and BullMQ jobs. */
export type SenderHarness = {
  redis: RedisServer;
  client: Redis;
  markers: SentMarkers;
  telegram: FakeTelegram;
  logs: LogLine[];
  holds: PutBackKind[];
  /** A fresh sender, as a new process would have it. */
  sender(overrides?: Partial<SenderDeps>): ReturnType<typeof createSender>;
  job(message: OutboundMessage): Promise<Job>;
  /** Runs the job like the worker does, again after each put-back, until it completes or fails. */
  runToEnd(process: ReturnType<typeof createSender>, job: Job, maxRuns?: number): Promise<'done' | Error>;
  /** A user message in `chatId`; returns its message id. */
  userMessage(chatId: number, text: string, options?: { fromId?: number; chatType?: 'private' | 'group' }): number;
  reset(): Promise<void>;
  close(): Promise<void>;
};

export const reply = (id: string, chatId: number, text: string, extra: Partial<OutboundMessage & { kind: 'reply' }> = {}): OutboundMessage => ({
  kind: 'reply', id, inReplyTo: `${id}-in`, channel: 'telegram', chatId: String(chatId), text, format: 'plain', ...extra,
});

/** Never settles: what a process killed at that moment does next. */
export const dies = () => new Promise<void>(() => undefined);

export async function startSenderHarness(): Promise<SenderHarness> {
  const redis = await startRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const markers = createSentMarkers(client);
  const queue = new Queue('outbound-telegram-harness', { connection: client, prefix: bullPrefix });
  const logs: LogLine[] = [];
  const holds: PutBackKind[] = [];
  const log = createLogger({ name: 'sender-int', level: 'debug', destination: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } });
  let telegram = await startFakeTelegram();
  const harness: SenderHarness = {
    redis, client, markers, logs, holds,
    get telegram() {
      return telegram;
    },
    sender: (overrides = {}) =>
      createSender({
        api: new Api(telegram.token, { apiRoot: telegram.apiRoot }),
        markers, log,
        hold: async (_ms, kind) => {
          holds.push(kind);
        },
        ...overrides,
      }),
    job: (message) => queue.add('outbound-message', message, { jobId: message.id }),
    async runToEnd(process, job, maxRuns = 20) {
      for (let run = 0; run < maxRuns; run += 1) {
        try {
          await process(job);
          return 'done';
        } catch (err) {
          if (!(err instanceof RateLimitError)) return err instanceof Error ? err : new Error(String(err));
        }
      }
      return new Error(`still put back after ${maxRuns} runs`);
    },
    userMessage(chatId, text, options = {}) {
      const update = telegram.injectMessage({ chatId, text, ...options });
      return update.message?.message_id ?? 0;
    },
    async reset() {
      await telegram.close();
      telegram = await startFakeTelegram();
      await client.flushall();
      logs.length = 0;
      holds.length = 0;
    },
    async close() {
      await telegram.close();
      await queue.close();
      await client.quit();
      await redis.close();
    },
  };
  return harness;
}
