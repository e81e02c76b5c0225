import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanReport, createTraffic, mountTinyDisk, startTelegramStack, type TelegramStack, type TinyDisk } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9341, 9342, 9343, 9344];

/**
 * The disk under Redis's append-only file fills up: Redis (appendonly yes, everysec) keeps
 * what it already accepted in memory, retries the AOF write every second, and refuses new
 * writes with MISCONF meanwhile. The disk is a real tmpfs filled with a filler file, so the
 * AOF write fails with ENOSPC as on a full disk.
 */
describe('Redis under pressure: the disk under the AOF is full', () => {
  let disk: TinyDisk;
  let stack: TelegramStack;
  let admin: Redis;

  beforeAll(async () => {
    disk = await mountTinyDisk(32);
    stack = await startTelegramStack({ redis: { appendonly: true, dir: disk.dir } });
    admin = new Redis(stack.redis.url);
  });

  afterAll(async () => {
    admin?.disconnect();
    // Redis cannot shut down while its AOF cannot be written: room first.
    await disk?.free();
    await stack?.close();
    await disk?.close();
  });

  const restarts = async () => (await stack.cluster.processes()).reduce((n, p) => n + p.restarts, 0);
  const aofStatus = async () => /^aof_last_write_status:(\w+)/m.exec(await admin.info('persistence'))?.[1];
  const until = async (check: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
      await sleep(100);
    }
  };

  it('says "Redis cannot write to disk" loudly, confirms nothing Redis refused, and answers everything once space is freed', async () => {
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-disk' });
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    const before = await restarts();

    await disk.fill();
    // The cluster writes all the time (status, liveness): the next AOF write fails within a second or two.
    await until(async () => (await aofStatus()) === 'err', 15_000);
    const offsetBefore = stack.telegram.confirmedOffset();
    const fullAt = Date.now();
    traffic.round();
    await sleep(6_000);
    expect(stack.telegram.confirmedOffset()).toBe(offsetBefore);
    expect(stack.telegram.sent().filter((m) => m.at > fullAt + 500)).toEqual([]);
    const status = await stack.cluster.nanobot('status');
    expect(status.stdout).toContain('Redis cannot write to disk');
    // Loudly: the channel that cannot take messages says so at error level.
    const errors = (await stack.cluster.logs('nanobot-telegram')).split('\n').filter((line) => line.includes('"level":"error"') && line.includes('Redis cannot write to disk'));
    expect(errors.length).toBeGreaterThan(0);

    await disk.free();
    await until(async () => (await aofStatus()) === 'ok', 15_000);
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect((await restarts()) - before).toBe(0);
  }, 150_000);
});
