/**
 * Pause before a put-back reply is tried again: quick at first (0.5, 1, then 2 s for about
 * 90 s) so service resumes within seconds of a short outage, then every 10 s, so a long
 * outage neither hammers the chat API nor parks every reply: 400 put-backs last about an hour.
 */
export function putBackDelayMs(count: number): number {
  return count <= 45 ? Math.min(500 * 2 ** (count - 1), 2_000) : 10_000;
}

/** Put-backs before a reply counts as a failed attempt: about an hour of outage. */
export const defaultMaxPutBacks = 400;
