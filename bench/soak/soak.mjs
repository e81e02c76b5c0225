/**
 * The soak: steady user traffic over many chats through the real cluster (pm2,
 * private redis-server with AOF, fake Telegram, fake LLM with random latency)
 * while workers are killed -9 at random and Redis restarts, then a quiet drain.
 * Reports sent, answered, lost, duplicated and reordered (target 0/0/0), the
 * recovery after each fault and pm2's restart counts. Used by bench/soak/run.mjs
 * and, shortened, by test/fault/soak-short.fault.test.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTraffic } from '@nanobot/testkit';
import { startSetup } from '../recovery/setup.mjs';
import { summarize } from '../recovery/stats.mjs';
import { deliveries, faultRecovery, problemDetails, recoveryByKind, replyIndex } from './analyze.mjs';
import { createRandom, killRandomWorker, planFaults, restartRedis } from './faults.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const firstChatId = 60_001;

export const soakDefaults = {
  minutes: 10,
  messages: 2_000,
  chats: 50,
  agents: 2,
  killMinS: 10,
  killMaxS: 30,
  maxKills: Infinity,
  redisRestarts: 2,
  llmMinMs: 0,
  llmMaxMs: 300,
  drainS: 180,
  quietS: 5,
  seed: 1,
  logLevel: 'info',
};

/** Sends `messages` evenly over the run, each to a random chat; returns the log of what was sent when. */
async function sendAll({ traffic, inject, options, random, startedAt, signal }) {
  const intervalMs = (options.minutes * 60_000) / options.messages;
  const sentLog = [];
  for (let i = 0; i < options.messages && !signal?.aborted; i += 1) {
    await sleep(Math.max(0, startedAt + i * intervalMs - Date.now()));
    const chatId = firstChatId + Math.floor(random.next() * options.chats);
    const at = Date.now();
    const text = traffic.send(chatId);
    sentLog.push({ text, chatId, at, updateId: inject.lastUpdateId() });
  }
  return sentLog;
}

/** Injects the planned faults at their times; a fault that throws is recorded, not fatal. */
async function injectAll({ setup, plan, random, options, startedAt, signal }) {
  const done = [];
  for (const fault of plan) {
    if (signal?.aborted) break;
    await sleep(Math.max(0, startedAt + fault.atMs - Date.now()));
    try {
      done.push(fault.kind === 'redis-restart' ? await restartRedis(setup.redis) : await killRandomWorker(setup.cluster, random, options.killable));
    } catch (err) {
      done.push({ kind: fault.kind, at: Date.now(), error: err instanceof Error ? err.message : String(err) });
    }
    options.onFault?.(done[done.length - 1]);
  }
  return done;
}

/** The lines of the pm2 logs that mention any of the job ids (for lost or duplicated messages). */
async function logLinesFor(cluster, needles) {
  if (needles.length === 0) return [];
  const dir = join(cluster.pm2Home, 'logs');
  // No log folder means the workers never wrote a line: nothing to show.
  const files = await readdir(dir).catch(() => []);
  const texts = await Promise.all(files.map(async (f) => ({ f, text: await readFile(join(dir, f), 'utf8') })));
  return texts.flatMap(({ f, text }) =>
    text.split('\n').filter((line) => needles.some((n) => line.includes(n))).map((line) => `${f}: ${line.slice(0, 400)}`),
  ).slice(0, 200);
}

/** The fake Telegram seen through createTraffic, remembering the update id of the last injected message. */
function recordingTelegram(telegram) {
  let last = null;
  const view = Object.create(telegram);
  view.injectMessage = (message) => {
    const update = telegram.injectMessage(message);
    last = update.update_id;
    return update;
  };
  return { view, lastUpdateId: () => last };
}

/** Everything the soak reports, from what the fake Telegram recorded and what pm2 says. */
async function summarizeRun({ setup, traffic, sentLog, faults, options, chats, times }) {
  const report = traffic.report();
  const delivered = deliveries(sentLog, replyIndex(setup.telegram));
  const recovered = faultRecovery(faults, delivered);
  const problems = problemDetails({ report, sentLog, faults, telegram: setup.telegram, startedAt: times.startedAt, chats });
  const bad = [...problems.lost, ...problems.duplicated].filter((p) => p.updateId !== undefined);
  const processes = await setup.cluster.processes();
  const lastReplyAt = Math.max(...delivered.map((d) => d.repliedAt ?? 0));
  return {
    options,
    startedAt: new Date(times.startedAt).toISOString(),
    sendingMs: times.sendingEndedAt - times.startedAt,
    // From the last message sent to the last reply (how long the backlog took to drain).
    drainMs: Math.max(0, lastReplyAt - times.sendingEndedAt),
    sent: report.sent,
    answered: report.answered,
    lost: report.missing.length,
    duplicated: report.duplicated.length,
    unexpected: report.unexpected.length,
    reorderedChats: report.reorderedChats.length,
    latency: summarize(delivered.filter((d) => d.repliedAt !== null).map((d) => d.repliedAt - d.at)),
    faults: recovered,
    recovery: recoveryByKind(recovered),
    restarts: processes.map((p) => ({ name: p.name, pmId: p.pmId, status: p.status, restarts: p.restarts })),
    problems,
    logLines: await logLinesFor(setup.cluster, bad.map((p) => `${setup.telegram.botId}-${p.updateId}`)),
    ok: report.missing.length + report.duplicated.length + report.unexpected.length + report.reorderedChats.length === 0,
  };
}

/**
 * Runs one soak and stops everything it started. Options (all optional, see
 * `soakDefaults`): minutes, messages, chats, agents, killMinS, killMaxS, maxKills,
 * redisRestarts, llmMinMs, llmMaxMs, drainS, quietS, seed, logLevel, keepLogsIn,
 * killable (process names), configure (config hook, e.g. testkit's withFakeWhatsapp),
 * onFault (progress callback), signal (AbortSignal: stop sending and injecting).
 */
export async function runSoak(input = {}) {
  const options = { ...soakDefaults, ...input };
  const setup = await startSetup({ agentInstances: options.agents, logLevel: options.logLevel, keepLogsIn: options.keepLogsIn, configure: options.configure });
  try {
    const inject = recordingTelegram(setup.telegram);
    const chats = Array.from({ length: options.chats }, (_, i) => firstChatId + i);
    const traffic = createTraffic(inject.view, { chats, prefix: 'soak' });
    setup.telegram.injectMessage({ chatId: firstChatId - 1, text: 'warm-up' });
    await setup.telegram.waitFor(() => setup.telegram.sentTo(firstChatId - 1).length > 0, 60_000);
    setup.llm.setLatency({ minMs: options.llmMinMs, maxMs: options.llmMaxMs });
    const durationMs = options.minutes * 60_000;
    const faultRandom = createRandom(options.seed + 1);
    const plan = planFaults({ durationMs, killMinMs: options.killMinS * 1000, killMaxMs: options.killMaxS * 1000, redisRestarts: options.redisRestarts, maxKills: options.maxKills }, faultRandom);
    const startedAt = Date.now();
    const run = { setup, options, startedAt, signal: options.signal };
    const [sentLog, faults] = await Promise.all([
      sendAll({ ...run, traffic, inject, random: createRandom(options.seed) }),
      injectAll({ ...run, plan, random: faultRandom }),
    ]);
    const sendingEndedAt = Date.now();
    await traffic.waitAllAnswered(options.drainS * 1000);
    // Late duplicates would show up within this quiet pause.
    await sleep(options.quietS * 1000);
    return await summarizeRun({ setup, traffic, sentLog, faults, options, chats, times: { startedAt, sendingEndedAt } });
  } finally {
    await setup.stop();
  }
}
