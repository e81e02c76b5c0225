import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, startRedis, writeConfig, type RedisServer } from '@nanobot/testkit';
import { launchChromium } from '../support/browser.js';

const dashboardMain = join(repoRoot, 'apps/dashboard/dist/main.js');

type Exit = { code: number | null; output: string };

function startDashboard(env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<Exit>; output: () => string } {
  const child = spawn(process.execPath, [dashboardMain], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<Exit>((done) => child.once('exit', (code) => done({ code, output })));
  return { child, exited, output: () => output };
}

/** Binding beyond loopback (127.0.0.2 stands for it here: still this machine's traffic). */
describe('the dashboard beyond loopback', () => {
  let redis: RedisServer;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let port: number;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    home = await mkdtemp(join(tmpdir(), 'nb-dashboard-access-'));
    port = await freePort();
    env = { PATH: process.env.PATH, HOME: home, NANOBOT_HOME: home, REDIS_URL: redis.url, LOG_LEVEL: 'info' };
  });
  afterAll(async () => {
    await redis?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('refuses to start without gateway.token, naming the field, and the ecosystem leaves it out', async () => {
    await writeConfig(home, { gateway: { host: '127.0.0.2', port } });
    const { exited } = startDashboard(env);
    const { code, output } = await exited;
    expect(code).toBe(1);
    expect(output).toContain('gateway.token is empty');
    expect(output).toContain('gateway.host is 127.0.0.2');
    const apps = spawnSync(process.execPath, ['-e', "console.log(require('./ecosystem.config.js').apps.map((a) => a.name).join(','))"], { cwd: repoRoot, env, encoding: 'utf8' });
    expect(apps.stdout.trim().split(',')).not.toContain('nanobot-dashboard');
    expect(apps.stdout).toContain('nanobot-agent');
  });

  describe('with gateway.token', () => {
    let dashboard: ReturnType<typeof startDashboard>;
    let browser: Browser;
    const base = () => `http://127.0.0.2:${port}`;

    beforeAll(async () => {
      await writeConfig(home, { gateway: { host: '127.0.0.2', port, token: 'tok-123' } });
      dashboard = startDashboard(env);
      const deadline = Date.now() + 20_000;
      while ((await fetch(`${base()}/health/live`).then((r) => r.status, () => 0)) !== 401) {
        if (Date.now() > deadline) throw new Error(`dashboard did not listen: ${dashboard.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      dashboard?.child.kill('SIGTERM');
      const { code } = await dashboard.exited;
      expect(code).toBe(0);
    });

    it('refuses every request without the token and accepts the Authorization header', async () => {
      for (const path of ['/', '/health', '/health/live', '/events', '/failed', '/assets/app.js']) {
        expect((await fetch(`${base()}${path}`)).status, path).toBe(401);
      }
      expect((await fetch(`${base()}/health`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      const live = await fetch(`${base()}/health/live`, { headers: { authorization: 'Bearer tok-123' } });
      expect(live.status).toBe(200);
      // Nothing reports in this Redis: the agent is named.
      const health = await fetch(`${base()}/health`, { headers: { authorization: 'Bearer tok-123' } });
      expect(health.status).toBe(503);
      expect(((await health.json()) as { reasons: string[] }).reasons).toEqual([expect.stringMatching(/^agent: no agent instance is running/)]);
    });

    it('lets a phone browser in with ?token= once: an HttpOnly SameSite=Strict cookie, the token gone from the address, live updates', async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const answer = await page.goto(`${base()}/?token=tok-123`);
      expect(answer?.status()).toBe(200);
      expect(page.url()).toBe(`${base()}/`);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'nanobot_dashboard', httpOnly: true, sameSite: 'Strict' });
      expect(cookie?.value).not.toContain('tok-123');
      await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');
      expect(await page.locator('[data-health]').getAttribute('data-health')).toBe('down');
      const other = await (await browser.newContext()).newPage();
      expect((await other.goto(`${base()}/`))?.status()).toBe(401);
      await context.close();
    });

    it('keeps the queue browser behind the token too: its page, API and files are refused without it, and list every queue with it', async () => {
      for (const path of ['/queues', '/queues/', '/queues/api/queues', '/queues/static/favicon-32x32.png', '/queues/queue/inbound']) {
        expect((await fetch(`${base()}${path}`)).status, path).toBe(401);
      }
      expect((await fetch(`${base()}/queues/api/queues`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      const api = await fetch(`${base()}/queues/api/queues`, { headers: { authorization: 'Bearer tok-123' } });
      expect(api.status).toBe(200);
      const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
      expect(names).toEqual([
        'cron', 'inbound', 'outbound-api', 'outbound-cli', 'outbound-discord', 'outbound-email', 'outbound-slack', 'outbound-system', 'outbound-telegram', 'outbound-whatsapp', 'subagent',
      ]);
      // Read-only: bull-board's own mutations are refused by it, retries go through the Failed jobs page.
      const emptied = await fetch(`${base()}/queues/api/queues/inbound/empty`, { method: 'PUT', headers: { authorization: 'Bearer tok-123' } });
      expect(emptied.status).toBe(405);

      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      expect((await page.goto(`${base()}/queues?token=tok-123`))?.status()).toBe(200);
      expect(page.url()).toBe(`${base()}/queues`);
      for (const name of names) await expect.poll(() => page.getByText(name, { exact: true }).count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      await context.close();
    });
  });
});
