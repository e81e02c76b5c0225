import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import { startRedis, startSentinelSetup, type RedisServer, type SentinelSetup } from '@nanobot/testkit';
import { checkRedis } from './check-redis.js';

describe('nanobot doctor on Redis topologies', () => {
  let setup: SentinelSetup;
  let careless: RedisServer;
  let home: string;

  beforeAll(async () => {
    setup = await startSentinelSetup();
    // No AOF, no snapshots, and a policy that evicts keys: everything doctor must refuse.
    careless = await startRedis({ appendonly: false, extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    home = await mkdtemp(join(tmpdir(), 'nanobot-doctor-redis-'));
  }, 90_000);
  afterAll(async () => {
    await setup?.close();
    await careless?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function checksFor(redis: Record<string, unknown>, env: Record<string, string> = {}) {
    await writeFile(join(home, 'config.json'), JSON.stringify({ redis }));
    const loaded = await loadConfig({ env: { NANOBOT_HOME: home, ...env }, homeDir: home });
    return Object.fromEntries((await checkRedis(loaded)).map((c) => [c.name, c]));
  }

  it('passes a Sentinel setup that is what the config says', async () => {
    const [primary] = setup.servers;
    const checks = await checksFor({ sentinels: setup.sentinels, name: setup.name, waitReplicas: 1 });
    expect(checks.redis).toMatchObject({ ok: true, detail: 'reachable, noeviction' });
    expect(checks.persistence).toMatchObject({ ok: true, detail: 'AOF on' });
    expect(checks.sentinel).toMatchObject({ ok: true, detail: `master "${setup.name}" at 127.0.0.1:${primary.port}, 3 of 3 sentinels know it, 1 replica(s), quorum ok` });
    expect(checks.replicas).toMatchObject({ ok: true, detail: '1 online, redis.waitReplicas 1' });
    expect(Object.values(checks).every((c) => c.ok && c.warning !== true)).toBe(true);
  });

  it('fails a master name the sentinels do not know, and fewer replicas than redis.waitReplicas', async () => {
    const wrongName = await checksFor({ sentinels: setup.sentinels, name: 'not-ours' });
    expect(wrongName.sentinel).toMatchObject({ ok: false });
    expect(wrongName.sentinel?.detail).toMatch(/no sentinel knows a master named "not-ours"/);
    const tooFew = await checksFor({ sentinels: setup.sentinels, name: setup.name, waitReplicas: 2 });
    expect(tooFew.replicas).toMatchObject({ ok: false });
    expect(tooFew.replicas?.detail).toMatch(/1 online but redis.waitReplicas is 2/);
  });

  it('fails a Redis without persistence and one that evicts keys', async () => {
    const checks = await checksFor({}, { REDIS_URL: careless.url });
    expect(checks.redis).toMatchObject({ ok: false });
    expect(checks.redis?.detail).toMatch(/maxmemory-policy is allkeys-lru/);
    expect(checks.persistence).toMatchObject({ ok: false });
    expect(checks.persistence?.detail).toMatch(/neither AOF nor RDB/);
  });

  it('names the redis.tls key whose file cannot be read, instead of failing', async () => {
    const checks = await checksFor({ url: 'rediss://127.0.0.1:1', tls: { ca: join(home, 'no-such-ca.pem') } });
    expect(checks.redis).toMatchObject({ ok: false });
    expect(checks.redis?.detail).toMatch(/redis\.tls\.ca: cannot read/);
  });
});
