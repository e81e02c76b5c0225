import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster, fakeConfig, startFakeLlm, startFakeTelegram, startRedis,
  type Cluster, type FakeLlm, type FakeTelegram, type RedisServer,
} from '@nanobot/testkit';
import { waitFor } from '../support/pm2-jlist.js';

describe('log rotation installed by `nanobot start`', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    cluster = await createCluster({
      redisUrl: redis.url,
      logLevel: 'info',
      config: { ...fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), logs: { maxSizeMb: 1, retainFiles: 2 } },
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-dashboard', 'pm2-logrotate']);
    // Check sizes every second instead of every 30 s, as an operator may (`pm2 set` is kept by later starts).
    expect((await cluster.pm2('set', 'pm2-logrotate:workerInterval', '1')).code).toBe(0);
    await cluster.waitOnline(['pm2-logrotate']);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('rotates a log file above logs.maxSizeMb and keeps logs.retainFiles rotated files', async () => {
    const dir = join(cluster.pm2Home, 'logs');
    const log = join(dir, 'nanobot-dashboard-out.log');
    const rotated = () => readdirSync(dir).filter((f) => f.startsWith('nanobot-dashboard-out__')).sort();
    const block = `${'x'.repeat(1023)}\n`.repeat(1536); // 1.5 MB
    for (let round = 1; round <= 4; round++) {
      const before = rotated();
      appendFileSync(log, block);
      // A new rotated file appears (a name per second: the next round waits for a new one).
      await waitFor(() => rotated().some((f) => !before.includes(f)), `rotation ${round}`, 30_000);
      await waitFor(() => statSync(log).size < 1024 * 1024, `the live file to start small again (${round})`, 30_000);
      await new Promise((r) => setTimeout(r, 1100));
    }
    await waitFor(() => rotated().length === 2, 'old rotated files to be deleted', 30_000);
    for (const file of rotated()) expect(statSync(join(dir, file)).size).toBeGreaterThanOrEqual(1024 * 1024);
  }, 180_000);

  it('comes back with pm2\'s daemon (as after a reboot), with its settings', async () => {
    expect((await cluster.pm2('kill')).code).toBe(0);
    // The first pm2 command starts a new daemon, which starts the installed modules.
    await cluster.pm2('ping');
    await cluster.waitOnline(['pm2-logrotate']);
    const shown = await cluster.pm2('conf', 'pm2-logrotate');
    expect(shown.stdout).toContain('pm2 set pm2-logrotate:max_size 1M');
    expect(shown.stdout).toContain('pm2 set pm2-logrotate:retain 2');
  }, 60_000);
});
