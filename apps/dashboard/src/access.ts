import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const cookieName = 'nanobot_dashboard';

const digest = (text: string) => createHash('sha256').update(text).digest();

function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

/** A name this machine's loopback answers to; only those may reach a dashboard without a token. */
function isLoopbackName(hostHeader: string): boolean {
  const name = hostHeader.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

function refuse(c: Context, status: 401 | 403, message: string): Response {
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="nanobot"');
  return c.json({ ok: false, error: message }, status);
}

/**
 * Who may use the dashboard. With `gateway.token`, every request must carry it: an
 * `Authorization: Bearer` header (uptime monitors, curl), or the cookie set by opening a
 * link with `?token=` once (HttpOnly, SameSite=Strict; the link is then redirected without
 * it, so it stays out of the history). Without a token the dashboard listens on loopback
 * only, and a Host header that is not a loopback name is refused: a web page that rebinds
 * its own domain to 127.0.0.1 must not read the status or press the buttons.
 */
export function createAccess(token: string): MiddlewareHandler {
  const expected = token === '' ? null : digest(token);
  const cookieValue = token === '' ? '' : digest(`cookie:${token}`).toString('hex');
  return async (c, next) => {
    if (expected === null) {
      if (!isLoopbackName(c.req.header('host') ?? '')) return refuse(c, 403, 'this dashboard answers to loopback names only (127.0.0.1, localhost)');
      return next();
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    const cookie = getCookie(c, cookieName);
    const query = c.req.query('token');
    if (bearer !== undefined && sameSecret(bearer, expected)) return next();
    if (cookie !== undefined && cookie.length === cookieValue.length && timingSafeEqual(Buffer.from(cookie), Buffer.from(cookieValue))) return next();
    if (query !== undefined && sameSecret(query, expected)) {
      setCookie(c, cookieName, cookieValue, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 30 * 86_400 });
      if (c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html')) {
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}`, 303);
      }
      return next();
    }
    return refuse(c, 401, 'a token is required: open the link with ?token=<gateway.token> once, or send Authorization: Bearer <gateway.token>');
  };
}

/**
 * Form protection for the buttons: a secret of this process, in every form it renders and
 * required on every POST, and a refusal of anything the browser marks as coming from another
 * site (Sec-Fetch-Site). Checking Origin against Host would break behind a reverse proxy.
 */
export function createCsrf() {
  const secret = randomBytes(24).toString('base64url');
  const expected = digest(secret);
  return {
    secret,
    check(c: Context, given: unknown): string | null {
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') return `refused a ${site} request`;
      if (typeof given !== 'string' || !sameSecret(given, expected)) return 'the form is out of date (the dashboard restarted?): reload the page and try again';
      return null;
    },
  };
}
