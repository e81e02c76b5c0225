import { WebClient } from '@slack/web-api';

/**
 * The Web API client for the bot token. Retries and rate-limit waits are ours (put-back with a
 * queue hold, the supervisor's backoff), so the client fails at once instead of retrying for
 * half an hour in a call nobody can see; `apiBase` stands in for slack.com (a proxy, a test).
 */
export function createWebClient(token: string, apiBase: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiBase,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
  });
}

/** What Slack returned as an error code (`ok: false` → `data.error`), if anything. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Error codes of the Web API client library (`slack_webapi_platform_error`, `slack_webapi_request_error`, …). */
export const clientErrorCode = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Slack's answers meaning the token is wrong or gone: nothing will work until the config is fixed. */
export const authErrors = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'not_allowed_token_type']);
