import { describeError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import type { Check } from './doctor-command.js';

type SlackAnswer = { ok?: boolean; error?: string; user?: string; team?: string; url?: string };

async function call(apiBase: string, method: string, token: string): Promise<SlackAnswer> {
  const base = apiBase.endsWith('/') ? apiBase : `${apiBase}/`;
  const response = await fetch(`${base}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status >= 500) return { ok: false, error: `HTTP ${response.status}` };
  return (await response.json()) as SlackAnswer;
}

/**
 * `nanobot doctor`'s Slack line: the bot token (auth.test) and the app-level token
 * (apps.connections.open, which only hands out a connection URL; nothing connects to it).
 * Never prints a token.
 */
export async function checkSlack(loaded: LoadedConfig): Promise<Check | null> {
  const slack = loaded.config.channels.slack;
  if (!slack.enabled) return null;
  try {
    const bot = await call(slack.apiBase, 'auth.test', slack.botToken);
    if (bot.ok !== true) return { name: 'slack', ok: false, detail: `Slack refused the bot token (${bot.error ?? 'unknown'}): check channels.slack.botToken` };
    const app = await call(slack.apiBase, 'apps.connections.open', slack.appToken);
    if (app.ok !== true) {
      return { name: 'slack', ok: false, detail: `bot token valid (@${bot.user ?? '?'}), but Socket Mode refused the app token (${app.error ?? 'unknown'}): check channels.slack.appToken (xapp-…, scope connections:write)` };
    }
    return { name: 'slack', ok: true, detail: `bot token valid: @${bot.user ?? '?'} in ${bot.team ?? '?'}; Socket Mode open to the app token` };
  } catch (err) {
    return { name: 'slack', ok: false, detail: `Slack Web API not reachable at ${slack.apiBase}: ${describeError(err)}` };
  }
}
