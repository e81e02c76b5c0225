/**
 * The soak: steady user traffic over many Telegram, WhatsApp, Discord, Slack and
 * email conversations through the real cluster (pm2, private redis-server with
 * AOF, fake Telegram, WhatsApp bridge, Discord gateway and Slack Socket Mode, a
 * real Dovecot and an SMTP sink, fake LLM with random latency) while workers are
 * killed -9 at random, Redis, the bridge and Dovecot restart, then a quiet drain. Reports per
 * channel sent, answered, lost, duplicated and reordered (target 0/0/0), the
 * recovery after each fault and pm2's restart counts. Used by bench/soak/run.mjs
 * and, shortened, by test/fault/soak-short.fault.test.ts.
 */
import { startFakeDiscord, startFakeSlack, startFakeWhatsappBridge, withFakeDiscord, withFakeEmail, withFakeSlack, withFakeWhatsapp } from '@nanobot/testkit';
import { startSetup } from '../recovery/setup.mjs';
import { discordChannel, emailChannel, slackChannel, startEmailServers, telegramChannel, whatsappChannel } from './channels.mjs';
import { createRandom, killRandomWorker, planFaults, restartBridge, restartImap, restartRedis } from './faults.mjs';
import { summarizeRun } from './summarize.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const soakDefaults = {
  minutes: 10,
  messages: 2_000,
  chats: 50,
  whatsapp: true,
  whatsappChats: 10,
  discord: true,
  discordChats: 10,
  slack: true,
  slackChats: 10,
  email: true,
  emailChats: 10,
  agents: 2,
  killMinS: 10,
  killMaxS: 30,
  maxKills: Infinity,
  redisRestarts: 2,
  bridgeRestarts: 2,
  bridgeDownS: 3,
  imapRestarts: 1,
  imapDownS: 5,
  llmMinMs: 0,
  llmMaxMs: 300,
  drainS: 180,
  quietS: 5,
  seed: 1,
  logLevel: 'info',
};

/**
 * Sends `messages` evenly over the run, each to a random chat of all channels
 * (so a channel's share of the traffic is its share of the chats); returns the
 * log of what was sent where and when.
 */
async function sendAll({ channels, options, random, startedAt, signal }) {
  const intervalMs = (options.minutes * 60_000) / options.messages;
  const targets = channels.flatMap((channel) => channel.chats.map((chat) => ({ channel, chat })));
  const sentLog = [];
  for (let i = 0; i < options.messages && !signal?.aborted; i += 1) {
    await sleep(Math.max(0, startedAt + i * intervalMs - Date.now()));
    const { channel, chat } = targets[Math.floor(random.next() * targets.length)];
    const at = Date.now();
    const { text, ref } = channel.send(chat);
    sentLog.push({ channel: channel.name, text, chat, at, ref });
  }
  return sentLog;
}

/** Injects the planned faults at their times; a fault that throws is recorded, not fatal. */
async function injectAll({ setup, bridge, dovecot, plan, random, options, startedAt, signal }) {
  const inject = {
    'redis-restart': () => restartRedis(setup.redis),
    'bridge-restart': () => restartBridge(bridge, options.bridgeDownS * 1000),
    'imap-restart': () => restartImap(dovecot, options.imapDownS * 1000),
    kill: () => killRandomWorker(setup.cluster, random, options.killable),
  };
  const done = [];
  for (const fault of plan) {
    if (signal?.aborted) break;
    await sleep(Math.max(0, startedAt + fault.atMs - Date.now()));
    try {
      done.push(await inject[fault.kind]());
    } catch (err) {
      done.push({ kind: fault.kind, at: Date.now(), error: err instanceof Error ? err.message : String(err) });
    }
    options.onFault?.(done[done.length - 1]);
  }
  return done;
}

/**
 * How many of the `chats` each channel gets: WhatsApp, Discord, Slack and email their own counts (when
 * on), Telegram the rest.
 */
function chatShares(options) {
  let left = options.chats;
  const take = (on, wanted) => {
    const n = on ? Math.min(wanted, left) : 0;
    left -= n;
    return n;
  };
  const whatsapp = take(options.whatsapp, options.whatsappChats);
  const discord = take(options.discord, options.discordChats);
  const slack = take(options.slack, options.slackChats);
  const email = take(options.email, options.emailChats);
  return { telegram: left, whatsapp, discord, slack, email };
}

/** The cluster with the channels the soak drives; stop() closes everything it started. */
async function startChannels(options) {
  const shares = chatShares(options);
  const fakes = [];
  let setup;
  try {
    const bridge = shares.whatsapp > 0 ? await startFakeWhatsappBridge() : undefined;
    if (bridge !== undefined) fakes.push(bridge);
    // Slack's retries as in test/e2e/slack-roundtrip.e2e.test.ts: sooner than Slack's, and enough of them to outlast a kill.
    const slack = shares.slack > 0 ? await startFakeSlack({ ackTimeoutMs: 1_000, retryDelaysMs: Array.from({ length: 60 }, () => 1_000) }) : undefined;
    if (slack !== undefined) fakes.push(slack);
    const discord = shares.discord > 0 ? await startFakeDiscord() : undefined;
    if (discord !== undefined) fakes.push(discord);
    const email = shares.email > 0 ? await startEmailServers(fakes) : undefined;
    setup = await startSetup({
      agentInstances: options.agents,
      logLevel: options.logLevel,
      keepLogsIn: options.keepLogsIn,
      configure: async (config) => {
        let withChannels = bridge === undefined ? config : withFakeWhatsapp(config, bridge);
        if (discord !== undefined) withChannels = withFakeDiscord(withChannels, discord);
        if (slack !== undefined) withChannels = withFakeSlack(withChannels, slack);
        if (email !== undefined) withChannels = withFakeEmail(withChannels, { dovecot: email.dovecot, smtp: email.sink });
        return options.configure === undefined ? withChannels : options.configure(withChannels);
      },
    });
    const channels = [telegramChannel(setup.telegram, shares.telegram)];
    if (bridge !== undefined) channels.push(whatsappChannel(bridge, shares.whatsapp));
    if (discord !== undefined) channels.push(discordChannel(discord, shares.discord));
    if (slack !== undefined) channels.push(slackChannel(slack, shares.slack));
    if (email !== undefined) channels.push(emailChannel(email, shares.email));
    const stop = async () => {
      await setup.stop();
      for (const fake of [...fakes].reverse()) await fake.close();
    };
    return { setup, bridge, dovecot: email?.dovecot, channels: channels.filter((c) => c.chats.length > 0), stop };
  } catch (err) {
    await setup?.stop();
    for (const fake of [...fakes].reverse()) await fake.close();
    throw err;
  }
}

/**
 * Runs one soak and stops everything it started. Options (all optional, see
 * `soakDefaults`): minutes, messages, chats, whatsapp, discord, slack, email (each on by
 * default: `whatsappChats`, `discordChats`, `slackChats` and `emailChats` of the `chats` go to
 * that channel through its fake, the rest are Telegram chats), agents, killMinS,
 * killMaxS, maxKills, redisRestarts, bridgeRestarts, bridgeDownS, imapRestarts, imapDownS, llmMinMs,
 * llmMaxMs, drainS, quietS, seed, logLevel, keepLogsIn, killable (process names),
 * configure (config hook), onFault (progress callback), signal (AbortSignal: stop
 * sending and injecting).
 */
export async function runSoak(input = {}) {
  const options = { ...soakDefaults, ...input };
  const { setup, bridge, dovecot, channels, stop } = await startChannels(options);
  try {
    for (const channel of channels) await channel.warmUp(60_000);
    setup.llm.setLatency({ minMs: options.llmMinMs, maxMs: options.llmMaxMs });
    const faultRandom = createRandom(options.seed + 1);
    const plan = planFaults(
      {
        durationMs: options.minutes * 60_000,
        killMinMs: options.killMinS * 1000,
        killMaxMs: options.killMaxS * 1000,
        redisRestarts: options.redisRestarts,
        bridgeRestarts: bridge === undefined ? 0 : options.bridgeRestarts,
        bridgeDownMs: options.bridgeDownS * 1000,
        imapRestarts: dovecot === undefined ? 0 : options.imapRestarts,
        imapDownMs: options.imapDownS * 1000,
        maxKills: options.maxKills,
      },
      faultRandom,
    );
    const startedAt = Date.now();
    const run = { setup, options, startedAt, signal: options.signal };
    const [sentLog, faults] = await Promise.all([
      sendAll({ ...run, channels, random: createRandom(options.seed) }),
      injectAll({ ...run, bridge, dovecot, plan, random: faultRandom }),
    ]);
    const sendingEndedAt = Date.now();
    await Promise.all(channels.map((c) => c.traffic.waitAllAnswered(options.drainS * 1000)));
    // Late duplicates would show up within this quiet pause.
    await sleep(options.quietS * 1000);
    return await summarizeRun({ setup, channels, sentLog, faults, options, times: { startedAt, sendingEndedAt } });
  } finally {
    await stop();
  }
}
