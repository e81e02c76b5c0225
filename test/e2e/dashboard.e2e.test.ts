import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, startTelegramStack, type TelegramStack } from '@nanobot/testkit';
import { artifactsDir, launchChromium } from '../support/browser.js';

type HealthAnswer = { status: number; body: { ok: boolean; reasons: string[] } };

/** The dashboard of a real cluster under pm2, looked at through a phone-sized headless Chromium. */
describe('the dashboard', () => {
  let stack: TelegramStack;
  let browser: Browser;
  let base: string;
  // The fake's long-poll timeout (fakeConfig: pollTimeoutS 2) + 20 s: the telegram watchdog window.
  const windowMs = 22_000;

  beforeAll(async () => {
    const port = await freePort();
    stack = await startTelegramStack({ configure: (config) => void (config.gateway = { port }) });
    await stack.cluster.waitOnline(['nanobot-dashboard']);
    base = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const liveOf = (page: Page, channel: string) => page.locator(`[data-channel="${channel}"]`).first().getAttribute('data-live', { timeout: 1_000 }).catch(() => null);
  const health = async (): Promise<HealthAnswer> => {
    const res = await fetch(`${base}/health`);
    return { status: res.status, body: (await res.json()) as HealthAnswer['body'] };
  };

  it('shows each channel live, a kill -9 and its restart, down within 5 s of a pm2 stop, and live again after a start, without a reload', async () => {
    const { cluster } = stack;
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    let navigations = 0;
    page.on('framenavigated', (frame) => void (frame === page.mainFrame() && navigations++));
    await page.goto(base);
    await expect.poll(() => liveOf(page, 'telegram'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => liveOf(page, 'agent'), { timeout: 10_000 }).toBe('true');
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');
    await page.screenshot({ path: join(artifactsDir, 'dashboard-live.png'), fullPage: true });

    // kill -9: pm2 brings it back, and the page follows (one pm2 restart, then live again).
    const pid = await cluster.pidOf('nanobot-telegram');
    process.kill(pid, 'SIGKILL');
    const row = page.locator('[data-process="nanobot-telegram"]');
    await expect.poll(async () => (await row.locator('td').nth(3).textContent({ timeout: 1_000 }).catch(() => null)), { timeout: 15_000 }).toBe('1');
    await expect.poll(async () => (await cluster.pidOf('nanobot-telegram').catch(() => pid)) !== pid, { timeout: 15_000 }).toBe(true);
    await expect.poll(() => liveOf(page, 'telegram'), { timeout: 30_000 }).toBe('true');

    // pm2 stop (once pm2 has no restart pending: a stop during its restart delay is undone by it).
    const stopped = await cluster.pm2('stop', 'nanobot-telegram');
    expect(stopped.code, stopped.stderr).toBe(0);
    const stoppedAt = Date.now();
    await expect.poll(() => liveOf(page, 'telegram'), { timeout: 5_000, interval: 100 }).toBe('false');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    await expect.poll(() => page.locator('[data-health]').getAttribute('data-health'), { timeout: 2_000 }).toBe('down');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 5_000 }).toBe('stopped');
    expect(await page.locator('[data-channel="telegram"] .reason').textContent()).toContain('no process reports it');
    await page.screenshot({ path: join(artifactsDir, 'dashboard-telegram-down.png'), fullPage: true });

    const started = await cluster.pm2('start', 'nanobot-telegram');
    expect(started.code, started.stderr).toBe(0);
    await expect.poll(() => liveOf(page, 'telegram'), { timeout: 30_000 }).toBe('true');
    expect(navigations).toBe(1); // every change arrived over the live stream
    await page.close();
  }, 120_000);

  it('replays a failed reply with the retry button (it reaches Telegram), and discards another', async () => {
    const { telegram } = stack;
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const failedJob = async (chatId: number, text: string) => {
      telegram.setFault('sendMessage', { kind: 'status', status: 403, description: 'Forbidden: bot was blocked by the user', times: 1 });
      const update = telegram.injectMessage({ chatId, text });
      const id = `tg-${telegram.botId}-${update.update_id}-reply`;
      await expect.poll(async () => {
        await page.goto(`${base}/failed`);
        return page.locator(`[data-job="${id}"]`).count();
      }, { timeout: 30_000, interval: 500 }).toBe(1);
      return page.locator(`[data-job="${id}"]`);
    };

    const refused = await failedJob(71, 'please retry me');
    expect(telegram.sentTo(71)).toEqual([]);
    await page.screenshot({ path: join(artifactsDir, 'dashboard-failed.png'), fullPage: true });
    await refused.locator('button[data-action="retry"]').click();
    await expect.poll(() => page.locator('.notice').textContent(), { timeout: 5_000 }).toMatch(/is back in outbound-telegram/);
    await telegram.waitFor(() => telegram.sentTo(71).length === 1, 20_000);
    expect(telegram.sentTo(71).map((m) => m.visibleText)).toEqual(['echo: please retry me']);

    const dropped = await failedJob(72, 'drop me');
    await dropped.locator('button[data-action="discard"]').click();
    await expect.poll(() => page.locator('.notice').textContent(), { timeout: 5_000 }).toMatch(/is removed from outbound-telegram/);
    expect(await page.locator('[data-job]').count()).toBe(0);
    const listed = await stack.cluster.nanobot('failed');
    expect(listed.stdout).toContain('No failed jobs.');
    expect(telegram.sentTo(72)).toEqual([]);
    await page.close();
  }, 90_000);

  it('answers /health 503 naming a deaf channel within its watchdog window, and naming the agent when none consumes; 200 once recovered', async () => {
    const { cluster, telegram } = stack;
    await expect.poll(async () => (await health()).status, { timeout: 30_000 }).toBe(200);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);

    telegram.setFault('getUpdates', { kind: 'hang' });
    const hungAt = Date.now();
    await expect.poll(async () => (await health()).status, { timeout: windowMs + 8_000, interval: 500 }).toBe(503);
    const deaf = await health();
    // Not before the window: a hang shorter than that is not yet deafness.
    expect(Date.now() - hungAt, JSON.stringify(deaf.body)).toBeGreaterThan(windowMs - 4_000);
    expect(deaf.body.reasons).toEqual([expect.stringMatching(/^telegram: .*beyond its 22s watchdog window/)]);

    telegram.clearFaults();
    await expect.poll(async () => (await health()).status, { timeout: 40_000, interval: 500 }).toBe(200);

    expect((await cluster.pm2('stop', 'nanobot-agent')).code).toBe(0);
    await expect.poll(async () => (await health()).body.reasons, { timeout: 10_000, interval: 300 }).toEqual([
      expect.stringMatching(/^agent: no agent instance is running/),
    ]);
    expect((await health()).status).toBe(503);
    expect((await cluster.pm2('start', 'nanobot-agent')).code).toBe(0);
    await expect.poll(async () => (await health()).status, { timeout: 30_000, interval: 500 }).toBe(200);
  }, 150_000);
  it('nanobot logs shows pm2\'s files as readable lines, and --follow prints new ones as they come', async () => {
    const { cluster } = stack;
    const shown = await cluster.nanobot('logs', 'telegram', '--lines', '200');
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThanOrEqual(200);
    expect(shown.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO  telegram +Starting telegram channel\.\.\.$/m);
    expect(shown.stdout).not.toContain('{"level"');
    expect((await cluster.nanobot('logs', 'nope')).stderr).toMatch(/no app nanobot-nope; known: .*telegram/);

    const follower = spawn(process.execPath, [join(repoRoot, 'apps/cli/bin/nanobot.js'), 'logs', 'telegram', '--lines', '0', '--follow'], { env: cluster.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    let complaints = '';
    follower.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    follower.stderr.on('data', (c: Buffer) => (complaints += c.toString()));
    try {
      await new Promise((r) => setTimeout(r, 2_500));
      expect(followed).toBe('');
      expect((await cluster.pm2('restart', 'nanobot-telegram')).code).toBe(0);
      await expect.poll(() => followed, { timeout: 20_000, message: complaints }).toMatch(/ INFO  telegram +Starting telegram channel\.\.\.$/m);
      expect(followed).not.toContain('{"level"');
    } finally {
      follower.kill('SIGINT');
      await new Promise((r) => follower.once('exit', r));
    }
  }, 60_000);
});
