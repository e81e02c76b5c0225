import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, queueNames, recordLastActive } from '@nanobot/bus';
import { configSchema } from '@nanobot/config';
import type { InboundMessage } from '@nanobot/core';
import { createCronStore, type CronStore } from '@nanobot/cron';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createSchedulerWorker } from './create-scheduler-worker.js';

const log = createLogger({ name: 'scheduler-int', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the scheduler turning fires into turns', () => {
  let redis: RedisServer;
  let client: Redis;
  let inbound: Queue;
  let home: string;
  let store: CronStore;
  const workers: Array<ReturnType<typeof createSchedulerWorker>> = [];

  const config = (heartbeat: { enabled: boolean; intervalS?: number }) =>
    configSchema.parse({ agents: { defaults: { workspace: join(home, 'workspace') } }, gateway: { heartbeat } });

  async function startScheduler(options: { heartbeat?: { enabled: boolean; intervalS?: number } } = {}) {
    const worker = createSchedulerWorker({
      config: config(options.heartbeat ?? { enabled: false }),
      redisUrl: redis.url,
      nanobotHome: home,
      log,
      instance: String(workers.length),
      pid: process.pid,
    });
    await worker.start((err) => {
      throw err;
    });
    workers.push(worker);
    return worker;
  }

  /** The turns the scheduler queued, by inbound id, in the order they were added. */
  async function turns(): Promise<InboundMessage[]> {
    const jobs: Job[] = await inbound.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'], 0, -1, true);
    return jobs.map((j) => j.data as InboundMessage).filter((m) => m.id.startsWith('cron-'));
  }

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    inbound = new Queue(queueNames.inbound, { connection: client, prefix: bullPrefix });
  });
  afterAll(async () => {
    await inbound.close();
    await client.quit();
    await redis.close();
  });
  beforeEach(async () => {
    await client.flushall();
    home = await mkdtemp(join(tmpdir(), 'nanobot-sched-'));
    await mkdir(join(home, 'workspace'), { recursive: true });
    store = createCronStore({ redis: client });
  });
  afterEach(async () => {
    while (workers.length > 0) await workers.pop()?.stop();
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  it('fires an `every` job exactly once per period with two schedulers running', async () => {
    await startScheduler();
    await startScheduler();
    const target = { channel: 'telegram', chatId: '42', sessionKey: 'telegram:42' };
    const job = await store.add({ name: 'tick', message: 'say tick', schedule: { kind: 'every', everyMs: 1_000 }, deliver: target });
    await sleep(4_600);
    const fired = await turns();
    // First fire one period after adding, then once a second: 4 in 4.6 s, never two at one instant.
    expect(fired.length).toBeGreaterThanOrEqual(3);
    expect(fired.length).toBeLessThanOrEqual(5);
    expect(new Set(fired.map((m) => m.id)).size).toBe(fired.length);
    expect(fired.every((m) => m.sessionKey === 'telegram:42' && m.channel === 'system')).toBe(true);
    const runs = await store.runs(job.id);
    expect(runs.length).toBe(fired.length);
  });

  it('stops firing a removed job at once', async () => {
    await startScheduler();
    const job = await store.add({ name: 'tick', message: 'say tick', schedule: { kind: 'every', everyMs: 1_000 } });
    await sleep(1_500);
    expect((await turns()).length).toBe(1);
    await store.remove(job.id);
    await sleep(2_200);
    expect((await turns()).length).toBe(1);
  });

  it('fires a missed run once when the scheduler comes back, not once per missed period', async () => {
    const job = await store.add({ name: 'tick', message: 'say tick', schedule: { kind: 'every', everyMs: 1_000 } });
    // Nothing runs for over three periods.
    await sleep(3_500);
    expect((await turns()).length).toBe(0);
    const backAt = Date.now();
    await startScheduler();
    await sleep(2_200);
    const due = (await store.runs(job.id)).map((run) => run.runAtMs);
    // One run for everything missed (due before the scheduler came back), then one per period.
    expect(due.filter((ms) => ms < backAt)).toHaveLength(1);
    expect(due.filter((ms) => ms >= backAt).length).toBeLessThanOrEqual(3);
    expect((await turns()).length).toBe(due.length);
  });

  it('fires an `at` job once and disables it', async () => {
    await startScheduler();
    const job = await store.add({ name: 'once', message: 'ring', schedule: { kind: 'at', atMs: Date.now() + 800 } });
    await sleep(2_000);
    expect((await turns()).map((m) => m.id)).toEqual([`cron-${job.id}-${job.schedule.kind === 'at' ? job.schedule.atMs : 0}`]);
    expect((await store.get(job.id))?.enabled).toBe(false);
  });

  it('turns a fire handled twice (a scheduler killed before finishing it) into one turn and one run', async () => {
    const queues = createQueues(client, log);
    const { createFireHandler } = await import('./fire-job.js');
    const { createFireRecords } = await import('./fire-records.js');
    const fire = createFireHandler({ store, queues, fires: createFireRecords(client), log, now: Date.now, readHeartbeat: async () => undefined, lastActive: async () => undefined });
    const job = await store.add({ name: 'n', message: 'm', schedule: { kind: 'every', everyMs: 60_000 } });
    const fired = { id: `repeat:${job.id}:1796000000000`, data: { cronJobId: job.id }, timestamp: Date.now() } as unknown as Job<{ cronJobId: string }>;
    await fire(fired);
    await fire(fired);
    expect((await turns()).map((m) => m.id)).toEqual([`cron-${job.id}-1796000000000`]);
    expect(await store.runs(job.id)).toHaveLength(1);
    await queues.close();
  });

  it('forwards the answer of a scheduled turn to its chat once, and keeps it in the run history', async () => {
    const worker = await startScheduler();
    const queues = createQueues(client, log);
    const job = await store.add({ name: 'n', message: 'm', schedule: { kind: 'every', everyMs: 60_000 }, deliver: { channel: 'telegram', chatId: '7', sessionKey: 'telegram:7' } });
    await worker.store.runNow(job.id, false);
    await sleep(500);
    const [turn] = await turns();
    expect(turn).toBeDefined();
    const answer = { kind: 'reply' as const, id: `${turn!.id}-reply`, inReplyTo: turn!.id, channel: 'system' as const, chatId: turn!.chatId, text: 'It is time.', format: 'plain' as const };
    await queues.addOutbound(answer);
    await sleep(500);
    const telegram = new Queue(queueNames.outbound('telegram'), { connection: client, prefix: bullPrefix });
    const sent = await telegram.getJobs(['waiting', 'active', 'delayed', 'completed'], 0, -1, true);
    expect(sent.map((j) => (j.data as { chatId: string; text: string; format: string })).map((d) => [d.chatId, d.text, d.format])).toEqual([['7', 'It is time.', 'markdown']]);
    expect((await store.runs(job.id))[0]?.output).toBe('It is time.');
    await telegram.close();
    await queues.close();
  });

  it('runs the heartbeat only when HEARTBEAT.md has active tasks, towards the last active chat', async () => {
    const workspace = join(home, 'workspace');
    await writeFile(join(workspace, 'HEARTBEAT.md'), '# Heartbeat Tasks\n\n## Active Tasks\n\n<!-- Add your periodic tasks below this line -->\n');
    await recordLastActive(client, { kind: 'message', id: 'tg-1-5', channel: 'telegram', chatId: '99', senderId: '1', sessionKey: 'telegram:99', seq: 5, receivedAt: Date.now(), text: 'hi', media: [] });
    await startScheduler({ heartbeat: { enabled: true, intervalS: 1 } });
    await sleep(2_500);
    expect(await turns()).toEqual([]);
    await writeFile(join(workspace, 'HEARTBEAT.md'), '## Active Tasks\n\n- check the weather in Lisbon\n');
    await sleep(1_600);
    const fired = await turns();
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0]?.sessionKey).toBe('heartbeat');
    expect(fired[0]?.kind === 'message' && fired[0].text).toContain('check the weather in Lisbon');
  });
});
