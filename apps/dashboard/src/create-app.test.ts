import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ProcessStatus } from '@nanobot/bus';
import { judgeHealth, parseRedisInfo, type ClusterState, type FailedJob } from '@nanobot/ops';
import { createApp, type FailedJobs } from './create-app.js';
import type { Snapshot } from './snapshot.js';

const now = 1_700_000_000_000;
const loopback = { host: '127.0.0.1:18790' };

function telegram(lastAliveAt: number, lastError: string | null = null): ProcessStatus {
  return {
    app: 'nanobot-telegram', instance: '0', pid: 11, host: 'h', updatedAt: now,
    channels: { telegram: { state: 'running', restarts: 0, lastAliveAt, startedAt: now - 60_000, livenessWindowMs: 22_000, lastError, extra: { role: 'active' } } },
  };
}

function snapshotOf(statuses: ProcessStatus[], inboundWorkers = 1): Snapshot {
  const state: ClusterState = {
    statuses, inboundWorkers, redis: parseRedisInfo('redis_version:7\naof_enabled:1\nmaxmemory_policy:noeviction'),
    queues: [{ name: 'inbound', waiting: 2, active: 0, delayed: 0, failed: 1, completed: 5, oldestWaitingAt: now - 7_000 }],
  };
  return { readAt: now, processes: null, processError: null, state, redisError: null, health: judgeHealth({ state, enabledChannels: ['telegram'], now }) };
}

function setup(options: { token?: string; snapshot?: Snapshot; queueBoard?: Hono } = {}) {
  const calls: string[] = [];
  const failedJob: FailedJob = { queue: 'outbound-telegram', id: 'tg-1-5-reply', failedAt: now - 1_000, attempts: 1, reason: 'CHANNEL_FATAL: blocked <b>' };
  const failed: FailedJobs = {
    list: async () => [failedJob],
    retry: async (id) => (calls.push(`retry ${id}`), { queue: 'outbound-telegram', unmarked: 0 }),
    discard: async (id) => (calls.push(`discard ${id}`), { queue: 'outbound-telegram' }),
  };
  const snapshot = options.snapshot ?? snapshotOf([telegram(now - 1_000)]);
  const app = createApp({
    token: options.token ?? '', snapshot: async () => snapshot, failed, shutdown: new AbortController().signal, now: () => now,
    ...(options.queueBoard === undefined ? {} : { queueBoard: options.queueBoard }),
  });
  return { app, calls };
}

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

describe('dashboard routes', () => {
  it('shows each channel, the queues with the oldest waiting job, and escapes what it shows', async () => {
    const { app } = setup({ snapshot: snapshotOf([telegram(now - 1_000, '<script>alert(1)</script>')]) });
    const res = await app.request('/', { headers: loopback });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/data-channel="telegram" data-live="true"/);
    expect(page).toContain('7s ago');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toMatch(/https?:\/\//); // nothing from outside: everything is served by the app
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('answers /health 200 when live, 503 with the reasons otherwise', async () => {
    const healthy = await setup().app.request('/health', { headers: loopback });
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ ok: true, reasons: [], channels: { telegram: { live: true, lastPollAgeS: 1, windowS: 22 } }, inbound: { waiting: 2, oldestWaitingAgeS: 7 } });
    const deaf = await setup({ snapshot: snapshotOf([telegram(now - 30_000)], 0) }).app.request('/health', { headers: loopback });
    expect(deaf.status).toBe(503);
    const body = (await deaf.json()) as { reasons: string[] };
    expect(body.reasons).toEqual([expect.stringMatching(/^telegram: last poll\/pong 30s ago/), expect.stringMatching(/^agent: no agent instance is running/)]);
  });

  it('without a token answers loopback names only (a rebound domain is refused)', async () => {
    const { app } = setup();
    expect((await app.request('/health/live', { headers: { host: 'localhost:18790' } })).status).toBe(200);
    expect((await app.request('/health/live', { headers: { host: 'evil.example:18790' } })).status).toBe(403);
  });

  it('with a token refuses requests without it and accepts the header, the link once, then its cookie', async () => {
    const { app } = setup({ token: 's3cret' });
    const host = { host: '203.0.113.5:18790' };
    expect((await app.request('/health', { headers: host })).status).toBe(401);
    expect((await app.request('/', { headers: { ...host, authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await app.request('/health', { headers: { ...host, authorization: 'Bearer s3cret' } })).status).toBe(200);

    const link = await app.request('/failed?token=s3cret', { headers: { ...host, accept: 'text/html' } });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/failed');
    const setCookie = link.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain('s3cret');
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await app.request('/failed', { headers: { ...host, cookie } })).status).toBe(200);
    expect((await app.request('/failed', { headers: { ...host, cookie: 'nanobot_dashboard=forged' } })).status).toBe(401);
  });

  it('retries and discards only with the form secret and never for another site', async () => {
    const { app, calls } = setup();
    const page = await (await app.request('/failed', { headers: loopback })).text();
    expect(page).toContain('tg-1-5-reply');
    expect(page).toContain('CHANNEL_FATAL: blocked &lt;b&gt;');
    const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      app.request(path, { method: 'POST', headers: { ...loopback, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString() });

    expect((await post('/failed/retry', { id: 'tg-1-5-reply' })).status).toBe(403);
    expect((await post('/failed/retry', { id: 'tg-1-5-reply', csrf: csrfOf(page) }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(calls).toEqual([]);

    const retried = await post('/failed/retry', { id: 'tg-1-5-reply', csrf: csrfOf(page) }, { 'sec-fetch-site': 'same-origin' });
    expect(retried.status).toBe(303);
    expect(decodeURIComponent(retried.headers.get('location') ?? '')).toBe('/failed?notice=tg-1-5-reply is back in outbound-telegram');
    await post('/failed/discard', { id: 'tg-1-5-reply', csrf: csrfOf(page) });
    expect(calls).toEqual(['retry tg-1-5-reply', 'discard tg-1-5-reply']);
  });

  it('mounts the queue browser at /queues behind the access rule, with its own page policy, refusing other sites\' changes', async () => {
    const board = new Hono();
    board.get('/', (c) => c.html('<p>board</p>'));
    board.put('/api/queues/inbound/pause', (c) => c.json({ paused: true }));
    const { app } = setup({ token: 's3cret', queueBoard: board });
    const host = { host: '203.0.113.5:18790' };
    expect((await app.request('/queues', { headers: host })).status).toBe(401);
    const page = await app.request('/queues', { headers: { ...host, authorization: 'Bearer s3cret' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<p>board</p>');
    expect(page.headers.get('content-security-policy')).toContain("style-src 'self' 'unsafe-inline'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    const status = await app.request('/', { headers: { ...host, authorization: 'Bearer s3cret' } });
    expect(status.headers.get('content-security-policy')).toContain("style-src 'self';");
    const put = (site: string) => app.request('/queues/api/queues/inbound/pause', { method: 'PUT', headers: { ...host, authorization: 'Bearer s3cret', 'sec-fetch-site': site } });
    expect((await put('cross-site')).status).toBe(403);
    expect((await put('same-origin')).status).toBe(200);
  });

  it('streams the status as server-sent events', async () => {
    const { app } = setup();
    const res = await app.request('/events', { headers: loopback });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body?.getReader();
    const first = new TextDecoder().decode((await reader?.read())?.value);
    expect(first).toMatch(/^event: status\ndata: /);
    expect(first).toContain('data-channel="telegram"');
    await reader?.cancel();
  });
});
