import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  fakeConfig,
  repoRoot,
  startFakeLlm,
  startFakeTelegram,
  startRedis,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type RedisServer,
} from '@nanobot/testkit';
import { jlist, logLines, metricsOf, num, waitFor } from '../support/pm2-jlist.js';

describe('pm2 monit metrics, restart-channel and /restart on a real cluster', () => {
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
      config: fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }),
    });
    // Every node process of the cluster can be made to reject a promise nobody handles (last test).
    cluster.env.NODE_OPTIONS = `--import ${resolve(repoRoot, 'test/support/reject-on-sigurg.mjs')}`;
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent', 'nanobot-scheduler', 'nanobot-dashboard']);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('`pm2 jlist` shows each worker\'s custom metrics, and they move with traffic', async () => {
    await waitFor(async () => (await metricsOf(cluster, 'nanobot-telegram'))['Channel state'] === 'running', 'telegram metrics');
    const telegramBefore = await metricsOf(cluster, 'nanobot-telegram');
    expect(telegramBefore).toMatchObject({ 'Channel state': 'running', 'Channel restarts': 0, 'Messages in/min': 0, 'Messages out/min': 0, 'Queue depth': 0 });
    await waitFor(async () => (await metricsOf(cluster, 'nanobot-agent')).State === 'running', 'agent metrics');
    expect(await metricsOf(cluster, 'nanobot-agent')).toMatchObject({ 'Messages in/min': 0, 'Messages out/min': 0, 'Queue depth': 0 });
    await waitFor(async () => (await metricsOf(cluster, 'nanobot-scheduler')).State === 'running', 'scheduler metrics');
    // Event-loop delay (from @pm2/io) in every process, the dashboard included.
    for (const name of ['nanobot-telegram', 'nanobot-agent', 'nanobot-scheduler', 'nanobot-dashboard']) {
      await waitFor(async () => Number.isFinite(num((await metricsOf(cluster, name))['Event Loop Latency p95'])), `${name} event-loop metric`);
    }

    for (const text of ['one', 'two', 'three']) telegram.injectMessage({ chatId: 42, text });
    await telegram.waitFor(() => telegram.sentTo(42).length === 3, 30_000);
    await waitFor(async () => {
      const m = await metricsOf(cluster, 'nanobot-telegram');
      return num(m['Messages in/min']) === 3 && num(m['Messages out/min']) === 3 && num(m['Reply latency p95']) > 0;
    }, 'telegram metrics to count the traffic');
    await waitFor(async () => {
      const m = await metricsOf(cluster, 'nanobot-agent');
      return num(m['Messages in/min']) === 3 && num(m['Messages out/min']) === 3 && num(m['Reply latency p95']) > 0;
    }, 'agent metrics to count the traffic');
    const actions = (await jlist(cluster)).find((p) => p.name === 'nanobot-telegram')?.pm2_env.axm_actions?.map((a) => a.action_name);
    expect(actions).toContain('restart-channel');
  });

  /**
   * Waits for the supervisor's restart line with `reason`, a new run after it, and a getUpdates
   * poll that reached Telegram after it (the run before was aborted with its poll).
   */
  async function waitForRestart(reason: string): Promise<void> {
    let restartedAt = Number.POSITIVE_INFINITY;
    await waitFor(async () => {
      const lines = await logLines(cluster, 'nanobot-telegram');
      const index = lines.findIndex((l) => l.msg === 'Restarting telegram channel on request...' && l.reason === reason);
      if (index < 0) return false;
      restartedAt = Date.parse(lines[index]?.time ?? '');
      return lines.slice(index).some((l) => l.msg === 'Starting telegram channel...');
    }, `the supervisor to restart the channel (${reason})`);
    await waitFor(() => telegram.calls('getUpdates').some((call) => call.at > restartedAt), 'a getUpdates poll of the new run');
  }

  it('`pm2 trigger nanobot-telegram restart-channel` restarts the channel loop, not the process', async () => {
    const pid = await cluster.pidOf('nanobot-telegram');
    const pm2Restarts = (await cluster.processes()).find((p) => p.name === 'nanobot-telegram')?.restarts;
    const triggered = await cluster.pm2('trigger', 'nanobot-telegram', 'restart-channel');
    expect(triggered.code, triggered.stderr).toBe(0);
    expect(triggered.stdout).toContain('restarting the telegram channel');
    await waitForRestart('pm2 trigger restart-channel');
    const lines = await logLines(cluster, 'nanobot-telegram');
    expect(lines.some((l) => l.msg === 'telegram channel restart requested: starting it again now')).toBe(true);
    await waitFor(async () => (await metricsOf(cluster, 'nanobot-telegram'))['Channel restarts'] === 1, 'the restart in the metrics');
    expect(await cluster.pidOf('nanobot-telegram')).toBe(pid);
    expect((await cluster.processes()).find((p) => p.name === 'nanobot-telegram')?.restarts).toBe(pm2Restarts);
    telegram.injectMessage({ chatId: 43, text: 'after the trigger' });
    await telegram.waitFor(() => telegram.sentTo(43).length === 1, 30_000);
    expect(telegram.sentTo(43)[0]?.visibleText).toBe('echo: after the trigger');
  });

  it('`/restart` in the chat restarts the telegram channel loop through its supervisor and says so', async () => {
    const pid = await cluster.pidOf('nanobot-telegram');
    telegram.injectMessage({ chatId: 44, text: '/restart' });
    await telegram.waitFor(() => telegram.sentTo(44).length === 1, 30_000);
    expect(telegram.sentTo(44)[0]?.visibleText).toBe('Restarting the telegram channel…');
    await waitForRestart('/restart from telegram:44');
    expect(await cluster.pidOf('nanobot-telegram')).toBe(pid);
    // The model never saw it: the agent answers /restart itself.
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('/restart'))).toBe(false);
    // The menu lists it.
    expect(JSON.stringify(telegram.commands())).toContain('restart');
    telegram.injectMessage({ chatId: 44, text: 'still there?' });
    await telegram.waitFor(() => telegram.sentTo(44).length === 2, 30_000);
  });

  it('an unhandled rejection still ends the process (pm2 restarts it): @pm2/io does not swallow it', async () => {
    for (const name of ['nanobot-telegram', 'nanobot-agent']) {
      const pid = await cluster.pidOf(name);
      const before = (await cluster.processes()).find((p) => p.name === name)?.restarts ?? 0;
      process.kill(pid, 'SIGURG');
      await waitFor(async () => {
        const p = (await cluster.processes()).find((x) => x.name === name);
        return p !== undefined && p.restarts === before + 1 && p.status === 'online' && p.pid !== pid;
      }, `${name} to be restarted by pm2 after the rejection`, 60_000);
      expect(await cluster.logs(name)).toContain('fault test: unhandled rejection');
    }
    // And the cluster answers again.
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
    telegram.injectMessage({ chatId: 45, text: 'after the crash' });
    await telegram.waitFor(() => telegram.sentTo(45).length === 1, 60_000);
  });
});
