import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { describeError } from '@nanobot/core';
import type { FailedJob } from '@nanobot/ops';
import { createAccess, createCsrf } from './access.js';
import { appCss, appJs } from './assets.js';
import { queueBoardGuard, queueBoardPath } from './create-queue-board.js';
import { html } from './html.js';
import { renderFailed } from './render-failed.js';
import { renderLayout } from './render-layout.js';
import { renderStatus } from './render-status.js';
import type { Snapshot } from './snapshot.js';
import { toHealthBody } from './to-health-body.js';

export type FailedJobs = {
  list(limit: number): Promise<FailedJob[]>;
  retry(jobId: string): Promise<{ queue: string; unmarked: number }>;
  discard(jobId: string): Promise<{ queue: string }>;
};

export type AppOptions = {
  token: string;
  snapshot: () => Promise<Snapshot>;
  failed: FailedJobs;
  /** Aborted when the dashboard stops: ends the live streams so the server can close. */
  shutdown: AbortSignal;
  now?: () => number;
  /** How often an open page gets a fresh status (default 1 s). */
  refreshMs?: number;
  /** bull-board's routes (create-queue-board.ts), mounted at /queues behind the same access rule. */
  queueBoard?: Hono;
};

/** The dashboard's routes: status page and its live stream, failed jobs, /health. */
export function createApp(options: AppOptions): Hono {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 1_000;
  const startedAt = now();
  const csrf = createCsrf();
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    // The queue browser sets a policy of its own (create-queue-board.ts).
    if (!c.res.headers.has('Content-Security-Policy')) c.header('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', /^\/(assets|queues\/static)\//.test(c.req.path) ? 'max-age=300' : 'no-store');
  });
  app.use(createAccess(options.token));
  if (options.queueBoard !== undefined) {
    app.use(queueBoardPath, queueBoardGuard);
    app.use(`${queueBoardPath}/*`, queueBoardGuard);
    app.route(queueBoardPath, options.queueBoard);
  }

  app.get('/health/live', (c) => c.json({ ok: true, uptimeS: Math.round((now() - startedAt) / 1000) }));
  app.get('/health', async (c) => {
    const snapshot = await options.snapshot();
    return c.json(toHealthBody(snapshot), snapshot.health.ok ? 200 : 503);
  });

  app.get('/assets/app.css', (c) => c.body(appCss, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/assets/app.js', (c) => c.body(appJs, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  app.get('/', async (c) => {
    const body = html`<main id="status">${renderStatus(await options.snapshot(), now())}</main>`;
    return c.html(renderLayout({ title: 'Status', page: 'status', body }));
  });

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      while (!stream.aborted && !stream.closed && !options.shutdown.aborted) {
        await stream.writeSSE({ event: 'status', data: renderStatus(await options.snapshot(), now()).markup });
        await stream.sleep(refreshMs);
      }
    }),
  );

  app.get('/failed', async (c) => {
    let jobs: FailedJob[] | null = null;
    let error: string | null = null;
    try {
      jobs = await options.failed.list(100);
    } catch (err) {
      error = `could not read the failed jobs: ${describeError(err)}`;
    }
    const body = renderFailed({ jobs, error, notice: c.req.query('notice') ?? null, csrf: csrf.secret, now: now() });
    return c.html(renderLayout({ title: 'Failed jobs', page: 'failed', body }));
  });

  const act = (action: 'retry' | 'discard') => async (c: Context) => {
    const form = await c.req.parseBody();
    const refused = csrf.check(c, form.csrf);
    if (refused !== null) return c.json({ ok: false, error: refused }, 403);
    const id = typeof form.id === 'string' ? form.id : '';
    let notice: string;
    try {
      if (action === 'retry') {
        const { queue, unmarked } = await options.failed.retry(id);
        notice = `${id} is back in ${queue}${unmarked > 0 ? ` (${unmarked} uncertain chunk(s) will be sent again)` : ''}`;
      } else {
        notice = `${id} is removed from ${(await options.failed.discard(id)).queue}`;
      }
    } catch (err) {
      notice = `could not ${action} ${id}: ${describeError(err)}`;
    }
    return c.redirect(`/failed?notice=${encodeURIComponent(notice)}`, 303);
  };
  app.post('/failed/retry', act('retry'));
  app.post('/failed/discard', act('discard'));

  return app;
}
