/**
 * An SDK or transport error in words. fetch's own message ("fetch failed") hides the reason in
 * its cause (ECONNREFUSED, a DNS failure): the cause's code or message is added.
 */
export function describeMcpError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail === undefined || message.includes(detail) ? message : `${message} (${detail})`;
}
