/**
 * The load generator: user messages injected at the fake Telegram at a fixed
 * rate, round-robin over a set of chats, each carrying a unique token that the
 * instant fake LLM echoes back (`echo: bench <token>`), so every reply the fake
 * records is matched to the message that caused it.
 */

const firstChatId = 100_001;
const tokenPattern = /bench (\S+)/;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** token → every time (`SentMessage.at`) a reply carrying it was recorded; plus replies carrying none. */
export function collectReplies(telegram) {
  const byToken = new Map();
  let unmatched = 0;
  for (const sent of telegram.sent()) {
    const token = tokenPattern.exec(sent.visibleText)?.[1];
    if (token === undefined) {
      unmatched += 1;
      continue;
    }
    byToken.set(token, [...(byToken.get(token) ?? []), sent.at]);
  }
  return { byToken, unmatched };
}

/** token → when the fake LLM received the request for it (the last user message carries the token). */
export function collectLlmRequests(llm) {
  const byToken = new Map();
  for (const request of llm.requests()) {
    const messages = request.body?.messages ?? [];
    const last = messages.findLast((m) => m.role === 'user');
    const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
    const token = tokenPattern.exec(text)?.[1];
    if (token !== undefined && !byToken.has(token)) byToken.set(token, request.at);
  }
  return byToken;
}

/** One message end to end, to know the system under test answers before the clock starts. */
export async function probe(telegram, tag, timeoutMs) {
  const token = `${tag}-probe`;
  telegram.injectMessage({ chatId: firstChatId, text: `bench ${token}` });
  await telegram.waitFor(() => collectReplies(telegram).byToken.has(token), timeoutMs);
}

async function inject(telegram, options, signal) {
  const { rate, warmup, count, chats, tag } = options;
  const intervalMs = 1000 / rate;
  const injected = [];
  let maxLagMs = 0;
  const start = performance.now();
  for (let i = 0; i < warmup + count && !signal.aborted; i += 1) {
    const due = start + i * intervalMs;
    const waitMs = due - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    const token = `${tag}-${i}`;
    const chatId = firstChatId + (i % chats);
    const at = Date.now();
    const update = telegram.injectMessage({ chatId, text: `bench ${token}` });
    injected.push({ token, chatId, updateId: update.update_id, at, measured: i >= warmup });
  }
  return { injected, maxLagMs };
}

async function waitForAll(telegram, tokens, options, signal) {
  const deadline = Date.now() + options.drainTimeoutMs;
  while (!signal.aborted && Date.now() < deadline) {
    const { byToken } = collectReplies(telegram);
    if (tokens.every((token) => byToken.has(token))) break;
    await sleep(50);
  }
  // A duplicate would arrive about now, if at all.
  await sleep(options.graceMs);
}

/**
 * Injects `warmup + count` messages at `rate` per second and waits for their
 * replies. Latency = the fake's `SentMessage.at` of the first reply minus the
 * injection time (both `Date.now()` in this process, so 1 ms resolution).
 */
export async function driveLoad({ telegram, llm }, options, signal) {
  const { injected, maxLagMs } = await inject(telegram, options, signal);
  await waitForAll(telegram, injected.map((m) => m.token), options, signal);
  const { byToken, unmatched } = collectReplies(telegram);
  const llmAt = collectLlmRequests(llm);
  const measured = injected.filter((m) => m.measured);
  const latenciesMs = [];
  const replies = [];
  let lost = 0;
  let duplicated = 0;
  for (const message of measured) {
    const times = byToken.get(message.token);
    if (times === undefined) {
      lost += 1;
      continue;
    }
    duplicated += times.length - 1;
    latenciesMs.push(times[0] - message.at);
    replies.push({ ...message, sentAt: times[0], llmAt: llmAt.get(message.token) });
  }
  const firstAt = measured[0]?.at ?? 0;
  const lastSentAt = Math.max(firstAt, ...replies.map((r) => r.sentAt));
  const windowS = (lastSentAt - firstAt) / 1000;
  const lastInjectedAt = measured.at(-1)?.at ?? firstAt;
  return {
    injected: measured.length,
    warmup: injected.length - measured.length,
    replies: replies.length,
    lost,
    duplicated,
    unmatched,
    offeredRate: measured.length > 1 ? round((measured.length - 1) / ((lastInjectedAt - firstAt) / 1000)) : null,
    throughput: windowS > 0 ? round(replies.length / windowS) : null,
    maxInjectLagMs: round(maxLagMs),
    latenciesMs,
    // The same round trip cut where the fake LLM receives the request.
    toLlmMs: replies.filter((r) => r.llmAt !== undefined).map((r) => r.llmAt - r.at),
    fromLlmMs: replies.filter((r) => r.llmAt !== undefined).map((r) => r.sentAt - r.llmAt),
    replyTimes: replies,
  };
}

function round(x) {
  return Math.round(x * 100) / 100;
}
