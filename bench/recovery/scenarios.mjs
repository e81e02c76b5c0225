/**
 * One rep of each recovery scenario. Each returns `{ ms, ...details }`, `ms`
 * being the recovery time the target is about (null: no reply in time).
 * Messages carry unique tokens (testkit's createTraffic), so the caller can also
 * check that every one was answered exactly once, in order.
 */
import { leaseHolder, replyAt, sleep, until } from './probes.mjs';

const replyTimeoutMs = 90_000;

const since = (at, from) => (at === null ? null : at - from);

/** Waits until the named processes are online and a message makes the whole round trip again. */
export async function settle({ setup, traffic, chatId, telegramInstances = 1 }) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const online = (await setup.cluster.processes()).filter((p) => p.status === 'online' && p.pid > 0);
    const telegrams = online.filter((p) => p.name === 'nanobot-telegram').length;
    if (telegrams >= telegramInstances && online.some((p) => p.name === 'nanobot-agent')) break;
    if (Date.now() > deadline) throw new Error(`cluster not back online: ${JSON.stringify(online)}`);
    await sleep(250);
  }
  const text = traffic.send(chatId);
  if ((await replyAt(setup.telegram, text, replyTimeoutMs)) === null) throw new Error(`settle probe ${text} unanswered`);
}

/** Plain round trip, no fault: message injected → reply recorded. */
export async function roundTrip({ setup, traffic, chatId }) {
  const sentAt = Date.now();
  const text = traffic.send(chatId);
  return { ms: since(await replyAt(setup.telegram, text, replyTimeoutMs), sentAt) };
}

/** kill -9 of the telegram worker, then a message: kill → its reply. */
export async function telegramKill({ setup, traffic, chatId, calm }) {
  await calm.beforeKill('nanobot-telegram');
  const pid = await setup.cluster.pidOf('nanobot-telegram');
  process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  await calm.killed('nanobot-telegram');
  const text = traffic.send(chatId);
  return { ms: since(await replyAt(setup.telegram, text, replyTimeoutMs), killedAt), pid };
}

/** A message whose LLM call is in flight (latency `llmMs`), kill -9 of the agent: kill → that message's reply. */
export async function agentKill({ setup, traffic, chatId, calm, llmMs = 500 }) {
  await calm.beforeKill('nanobot-agent');
  const pid = await setup.cluster.pidOf('nanobot-agent');
  const requestsBefore = setup.llm.requests().length;
  setup.llm.setLatency(llmMs);
  try {
    const text = traffic.send(chatId);
    if (!(await until(() => setup.llm.inFlight() > 0, 30_000))) throw new Error(`no LLM call for ${text}`);
    // Well inside the call: the model has the request and has not answered yet.
    await sleep(Math.floor(llmMs / 2));
    const inFlightAfterMs = Date.now() - (setup.llm.requests()[requestsBefore]?.at ?? Date.now());
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await calm.killed('nanobot-agent');
    const at = await replyAt(setup.telegram, text, replyTimeoutMs);
    // More LLM calls than the one cut: the turn was run again after the restart.
    const llmCalls = setup.llm.requests().length - requestsBefore;
    return { ms: since(at, killedAt), pid, killedMsIntoLlmCall: inFlightAfterMs, inFlightAtKill: true, llmCalls };
  } finally {
    setup.llm.setLatency(0);
  }
}

/** `RedisServer.restart()` (SIGTERM, AOF, same port), then a message: restart begins → its reply. */
export async function redisRestart({ setup, traffic, chatId }) {
  const startedAt = Date.now();
  await setup.redis.restart();
  const upAt = Date.now();
  const text = traffic.send(chatId);
  const at = await replyAt(setup.telegram, text, replyTimeoutMs);
  return { ms: since(at, startedAt), redisDownMs: upAt - startedAt, fromRedisUpMs: since(at, upAt) };
}

/**
 * Every Bot API method answers 502 for `outageMs`; one message per chat every
 * 10 s meanwhile. `ms`: outage end → the last of those replies; also the first.
 */
export async function telegramOutage({ setup, traffic, chats, outageMs = 60_000 }) {
  const texts = [];
  setup.telegram.setFault('*', { kind: 'status', status: 502 });
  const startedAt = Date.now();
  try {
    while (Date.now() - startedAt < outageMs - 1_000) {
      for (const chatId of chats) texts.push(traffic.send(chatId));
      await sleep(Math.min(10_000, Math.max(0, startedAt + outageMs - 1_000 - Date.now())));
    }
    await sleep(Math.max(0, startedAt + outageMs - Date.now()));
  } finally {
    setup.telegram.clearFaults();
  }
  const endedAt = Date.now();
  const replies = await Promise.all(texts.map((text) => replyAt(setup.telegram, text, replyTimeoutMs)));
  const answered = replies.filter((at) => at !== null);
  const repliedDuring = setup.telegram.sent().filter((m) => m.at > startedAt && m.at < endedAt).length;
  return {
    ms: answered.length < texts.length ? null : Math.max(...answered) - endedAt,
    firstReplyMs: answered.length === 0 ? null : Math.min(...answered) - endedAt,
    messages: texts.length,
    answered: answered.length,
    repliedDuringOutage: repliedDuring,
  };
}

/** Two telegram instances; kill -9 of the lease holder, then a message: kill → its reply, and who polls now. */
export async function standbyTakeover({ setup, traffic, chatId, calm }) {
  await calm.beforeKill('nanobot-telegram');
  const holder = await leaseHolder(setup);
  if (holder === null) throw new Error('no telegram worker holds the lease');
  process.kill(holder.pid, 'SIGKILL');
  const killedAt = Date.now();
  await calm.killed('nanobot-telegram');
  const text = traffic.send(chatId);
  const at = await replyAt(setup.telegram, text, replyTimeoutMs);
  const next = await leaseHolder(setup);
  return {
    ms: since(at, killedAt),
    killedPmId: holder.pmId,
    newHolderPmId: next?.pmId ?? null,
    // The killed slot restarts within ~1 s and may win the lease back itself.
    takenOverBy: next === null ? 'unknown' : next.pmId === holder.pmId ? 'restarted self' : 'standby',
  };
}

/**
 * Two telegram instances; the lease holder is frozen (SIGSTOP: alive for pm2, silent
 * for Redis), so only the standby can answer: freeze → reply to a message sent right
 * after. The frozen process is then killed -9 and pm2 restarts it as the new standby.
 */
export async function standbyTakeoverFrozen({ setup, traffic, chatId, calm }) {
  await calm.beforeKill('nanobot-telegram');
  const holder = await leaseHolder(setup);
  if (holder === null) throw new Error('no telegram worker holds the lease');
  process.kill(holder.pid, 'SIGSTOP');
  const frozenAt = Date.now();
  try {
    const text = traffic.send(chatId);
    const at = await replyAt(setup.telegram, text, replyTimeoutMs);
    const next = await leaseHolder(setup);
    return { ms: since(at, frozenAt), frozenPmId: holder.pmId, newHolderPmId: next?.pmId ?? null };
  } finally {
    process.kill(holder.pid, 'SIGKILL');
    await calm.killed('nanobot-telegram');
  }
}
