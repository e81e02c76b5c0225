/**
 * The soak: steady user traffic over many Telegram and WhatsApp chats through
 * the real cluster (pm2, private redis-server with AOF, fake Telegram, fake
 * WhatsApp bridge, fake LLM with random latency) while workers are killed -9 at
 * random, Redis restarts and the bridge restarts, then a quiet drain. Reports per
 * channel sent, answered, lost, duplicated and reordered (target 0/0/0), the
 * recovery after each fault and pm2's restart counts. Used by bench/soak/run.mjs
 * and, shortened, by test/fault/soak-short.fault.test.ts.
 */
import { startFakeWhatsappBridge, withFakeWhatsapp } from '@nanobot/testkit';
import { startSetup } from '../recovery/setup.mjs';
import { telegramChannel, whatsappChannel } from './channels.mjs';
import { createRandom, killRandomWorker, planFaults, restartBridge, restartRedis } from './faults.mjs';
import { summarizeRun } from './summarize.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const soakDefaults = {
  minutes: 10,
  messages: 2_000,
  chats: 50,
  whatsapp: true,
  whatsappChats: 20,
  agents: 2,
  killMinS: 10,
  killMaxS: 30,
  maxKills: Infinity,
  redisRestarts: 2,
  bridgeRestarts: 2,
  bridgeDownS: 3,
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
async function injectAll({ setup, bridge, plan, random, options, startedAt, signal }) {
  const inject = {
    'redis-restart': () => restartRedis(setup.redis),
    'bridge-restart': () => restartBridge(bridge, options.bridgeDownS * 1000),
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

/** The cluster with the channels the soak drives; stop() closes everything it started. */
async function startChannels(options) {
  const whatsappChats = options.whatsapp ? Math.min(options.whatsappChats, options.chats) : 0;
  const bridge = whatsappChats > 0 ? await startFakeWhatsappBridge() : undefined;
  let setup;
  try {
    setup = await startSetup({
      agentInstances: options.agents,
      logLevel: options.logLevel,
      keepLogsIn: options.keepLogsIn,
      configure: async (config) => {
        const withChannels = bridge === undefined ? config : withFakeWhatsapp(config, bridge);
        return options.configure === undefined ? withChannels : options.configure(withChannels);
      },
    });
  } catch (err) {
    await bridge?.close();
    throw err;
  }
  const channels = [telegramChannel(setup.telegram, options.chats - whatsappChats)];
  if (bridge !== undefined) channels.push(whatsappChannel(bridge, whatsappChats));
  const stop = async () => {
    await setup.stop();
    await bridge?.close();
  };
  return { setup, bridge, channels: channels.filter((c) => c.chats.length > 0), stop };
}

/**
 * Runs one soak and stops everything it started. Options (all optional, see
 * `soakDefaults`): minutes, messages, chats, whatsapp (on by default: `whatsappChats`
 * of the `chats` are WhatsApp chats through a fake bridge), agents, killMinS,
 * killMaxS, maxKills, redisRestarts, bridgeRestarts, bridgeDownS, llmMinMs,
 * llmMaxMs, drainS, quietS, seed, logLevel, keepLogsIn, killable (process names),
 * configure (config hook), onFault (progress callback), signal (AbortSignal: stop
 * sending and injecting).
 */
export async function runSoak(input = {}) {
  const options = { ...soakDefaults, ...input };
  const { setup, bridge, channels, stop } = await startChannels(options);
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
        maxKills: options.maxKills,
      },
      faultRandom,
    );
    const startedAt = Date.now();
    const run = { setup, options, startedAt, signal: options.signal };
    const [sentLog, faults] = await Promise.all([
      sendAll({ ...run, channels, random: createRandom(options.seed) }),
      injectAll({ ...run, bridge, plan, random: faultRandom }),
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
