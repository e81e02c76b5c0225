import { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { bullPrefix, queueNames } from '@nanobot/bus';
import { channelNames } from '@nanobot/core';

export const queueBoardPath = '/queues';

/** Every queue of the cluster: inbound, the scheduler's, the subagents', and one outbound queue per channel. */
export const boardQueueNames = (): string[] => [queueNames.inbound, queueNames.cron, queueNames.subagent, ...channelNames.map((c) => queueNames.outbound(c))];

/**
 * bull-board's queue browser (its own React page and API, served from the installed
 * @bull-board/ui, nothing from outside), mounted at /queues behind the dashboard's access
 * rule. Read-only: retrying or removing a reply there would bypass the sent-markers
 * (a retry of an uncertain chunk must go through the Failed jobs page, which knows them).
 *
 * Built on the first request to /queues, not at start: bull-board and its adapters hold about
 * 3 MB of heap in a process that mostly serves the status page (design-notes L31).
 */
export function createQueueBoard(redis: Redis): { routes: Hono; close(): Promise<void> } {
  let queues: Queue[] = [];
  let built: Promise<Hono> | undefined;
  const build = async (): Promise<Hono> => {
    const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/hono'),
      import('@hono/node-server/serve-static'),
    ]);
    queues = boardQueueNames().map((name) => new Queue(name, { connection: redis, prefix: bullPrefix }));
    const adapter = new HonoAdapter(serveStatic).setBasePath(queueBoardPath);
    createBullBoard({
      queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
      serverAdapter: adapter,
      options: { uiConfig: { boardTitle: 'nanobot queues' } },
    });
    // Mounted as before, so the board sees the same paths it would at start.
    return new Hono().route(queueBoardPath, adapter.registerPlugin());
  };
  const board = (): Promise<Hono> => {
    built ??= build().catch((err: unknown) => {
      // A failed load is tried again by the next request.
      built = undefined;
      throw err;
    });
    return built;
  };
  const routes = new Hono();
  routes.all('/', async (c) => (await board()).fetch(c.req.raw, c.env));
  routes.all('/*', async (c) => (await board()).fetch(c.req.raw, c.env));
  return {
    routes,
    close: async () => {
      await built?.catch(() => undefined);
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}

/**
 * bull-board's page uses inline styles, so /queues gets a CSP of its own (scripts still only
 * from this origin); and its API calls are refused when the browser says they come from
 * another site, like the dashboard's own buttons.
 */
export const queueBoardGuard: MiddlewareHandler = async (c, next) => {
  const site = c.req.header('sec-fetch-site');
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && site !== undefined && site !== 'same-origin' && site !== 'none') {
    return c.json({ ok: false, error: `refused a ${site} request` }, 403);
  }
  await next();
  c.header(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
  );
  return undefined;
};
