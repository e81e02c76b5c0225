import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTelegramStack, type TelegramStack } from '@nanobot/testkit';
import { artifactsDir, launchChromium } from '../support/browser.js';

/** The status page's traffic chart and the queue browser of a real cluster under pm2, in a phone-sized Chromium. */
describe('the dashboard\'s traffic chart and queue browser', () => {
  let stack: TelegramStack;
  let browser: Browser;
  let base: string;

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

  const chartOf = async (page: Page) => {
    const chart = page.locator('section.traffic');
    const attr = async (name: string) => Number(await chart.getAttribute(name, { timeout: 1_000 }));
    return { in: await attr('data-in'), out: await attr('data-out'), replies: await attr('data-replies'), bars: await chart.locator('rect').count() };
  };

  it('shows the last hour on the status page and moves with traffic through Telegram, without a reload', async () => {
    const { telegram } = stack;
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    let navigations = 0;
    page.on('framenavigated', (frame) => void (frame === page.mainFrame() && navigations++));
    await page.goto(base);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');
    expect(await chartOf(page)).toEqual({ in: 0, out: 0, replies: 0, bars: 0 });
    expect(await page.locator('section.traffic svg.spark').count()).toBe(2);

    telegram.injectMessage({ chatId: 41, text: 'first' });
    telegram.injectMessage({ chatId: 42, text: 'second' });
    await telegram.waitFor(() => telegram.sentTo(41).length === 1 && telegram.sentTo(42).length === 1, 30_000);
    await expect.poll(() => chartOf(page), { timeout: 10_000 }).toMatchObject({ in: 2, out: 2, replies: 2 });
    const moved = await chartOf(page);
    // Both messages and both replies fall in one or two minutes: an in, an out and a latency bar at least.
    expect(moved.bars).toBeGreaterThanOrEqual(3);
    expect(await page.locator('section.traffic rect.in').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('section.traffic rect.lat').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('section.traffic figcaption').nth(1).textContent()).toMatch(/p95 ≤ \d/);
    expect(navigations).toBe(1);
    await page.screenshot({ path: join(artifactsDir, 'dashboard-traffic.png'), fullPage: true });
    await page.close();
  }, 90_000);

  it('opens bull-board at /queues from the navigation, served from this machine, listing every queue', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const outside: string[] = [];
    const failed: string[] = [];
    page.on('request', (req) => void (new URL(req.url()).host !== new URL(base).host && outside.push(req.url())));
    // The status page's live stream ends when the page is left: not a failure.
    page.on('requestfailed', (req) => void (new URL(req.url()).host === new URL(base).host && !req.url().endsWith('/events') && failed.push(req.url())));
    page.on('response', (res) => void (res.status() >= 400 && failed.push(`${res.status()} ${res.url()}`)));
    await page.goto(base);
    await page.locator('nav a[href="/queues"]').click();
    await page.waitForURL(`${base}/queues`);
    for (const name of ['inbound', 'cron', 'outbound-telegram', 'outbound-whatsapp']) {
      await expect.poll(() => page.getByText(name, { exact: true }).count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    }
    await page.screenshot({ path: join(artifactsDir, 'dashboard-queues.png'), fullPage: true });
    // The page's only request elsewhere is its font stylesheet, which the page's policy blocks before it leaves.
    expect(outside.every((url) => url.startsWith('https://fonts.googleapis.com/'))).toBe(true);
    expect(failed.filter((url) => !url.includes('fonts.googleapis.com'))).toEqual([]);
    const api = (await (await fetch(`${base}/queues/api/queues`)).json()) as { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[] };
    const inbound = api.queues.find((q) => q.name === 'inbound');
    expect(inbound?.readOnlyMode).toBe(true);
    expect(inbound?.counts.completed).toBeGreaterThanOrEqual(2); // the two messages of the test before
    await page.close();
  }, 60_000);
});
