/**
 * The in-process baseline: the telegram worker's own poller (toInbound, typing
 * indicator) and sender, and the agent's own turn handler, in ONE Node
 * process, with the bus replaced by direct calls. `addInbound` starts the turn
 * (chained per session, so a chat's turns still run one at a time and in order)
 * and `addOutbound` calls the sender. No Redis, no BullMQ, no pm2.
 *
 * Started by baseline-target.mjs with NANOBOT_HOME pointing at a config for the
 * fakes; talks to its parent over IPC: sends `ready`, obeys `stop`.
 */
import { homedir } from 'node:os';
import { Api } from 'grammy';
import { loadConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { createPoller } from '../../apps/telegram/dist/poll-updates.js';
import { createSender } from '../../apps/telegram/dist/send-outbound.js';
import { createTypingIndicator } from '../../apps/telegram/dist/typing-indicator.js';
import { createDirectTurnHandler } from './agent-adapter.mjs';

const log = createLogger({ name: 'bench-baseline', level: process.env.LOG_LEVEL });
const stopTurns = new AbortController();

/** The sent-markers of the bus (same methods as createSentMarkers), kept in memory. */
function createMemoryMarkers() {
  const states = new Map();
  const chats = new Map();
  const chatOf = (chat) => {
    if (!chats.has(chat)) chats.set(chat, { ours: [], seen: [], unresolved: [] });
    return chats.get(chat);
  };
  const ref = (jobId, chunk) => `${jobId}:${chunk}`;
  return {
    ref,
    read: async (jobId, chunk) => states.get(ref(jobId, chunk)) ?? null,
    get: async (jobId, chunk) => states.get(ref(jobId, chunk))?.state ?? null,
    mark: async (jobId, chunk, state) => void states.set(ref(jobId, chunk), { state }),
    markSending: async (jobId, chunk, record) => void states.set(ref(jobId, chunk), { state: 'sending', ...record }),
    unmark: async (jobId, chunk) => void states.delete(ref(jobId, chunk)),
    markDelivered: async (jobId, chunk, at) => {
      states.set(ref(jobId, chunk), { state: 'sent', messageId: at.messageId });
      chatOf(at.chat).ours.push(at.messageId);
    },
    markUnresolved: async (jobId, chunk, at) => {
      if (at.uncertain) states.set(ref(jobId, chunk), { state: 'uncertain' });
      chatOf(at.chat).unresolved.push({ ref: ref(jobId, chunk), floor: at.floor });
    },
    noteSeen: async (chat, messageId) => void chatOf(chat).seen.push(messageId),
    chat: async (chat) => {
      const c = chatOf(chat);
      return { ours: [...c.ours].sort((a, b) => a - b), seen: [...c.seen].sort((a, b) => a - b), unresolved: [...c.unresolved] };
    },
  };
}

/** A `Queues`-shaped object whose adds are direct calls. */
function createDirectQueues(deps) {
  const tails = new Map();
  return {
    inbound: {
      // The poller parks malformed updates here; the benchmark sends none.
      add: async (name, data) => log.warn({ name, reason: data?.reason }, 'malformed update (baseline drops it)'),
    },
    outbound: () => {
      throw new Error('the baseline has no queues');
    },
    addInbound: async (message) => {
      const previous = tails.get(message.sessionKey) ?? Promise.resolve();
      const turn = previous
        .then(() => deps.runTurn(message))
        .catch((err) => log.error({ err, messageId: message.id }, 'turn failed'));
      tails.set(message.sessionKey, turn);
      void turn.then(() => {
        if (tails.get(message.sessionKey) === turn) tails.delete(message.sessionKey);
      });
      return { jobId: message.id };
    },
    addOutbound: async (message) => {
      await deps.send({ id: message.id, data: message });
      return { jobId: message.id };
    },
    waitUntilReady: async () => undefined,
    /** Resolves when every started turn has ended. */
    close: async () => {
      await Promise.all([...tails.values()]);
    },
  };
}

/** The channel's run without the lease and the menu: who the bot is, then the poller itself. */
async function createChannelRun({ api, queues, settings, typing, markers }) {
  const me = await api.getMe();
  return createPoller({
    api,
    queues,
    bot: { id: me.id, username: me.username },
    policy: { allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy },
    pollTimeoutS: settings.pollTimeoutS,
    log,
    onQueued: (message) => typing.start(message.chatId, message.threadId),
    onSeen: (chatId, messageId) => markers.noteSeen(`telegram:${chatId}`, messageId),
    park: async (update, reason) => queues.inbound.add('malformed-update', { reason, update }),
  });
}

async function main() {
  const { config, nanobotHome } = await loadConfig({ env: process.env, homeDir: homedir() });
  const markers = createMemoryMarkers();
  const settings = config.channels.telegram;
  const api = new Api(settings.token, { apiRoot: settings.apiRoot });
  const typing = createTypingIndicator({ api, log });
  const sender = createSender({
    api,
    markers,
    log,
    hold: async () => undefined,
    onSent: (message) => typing.stop(message.chatId),
  });
  let handleTurn;
  const queues = createDirectQueues({
    runTurn: (message) => handleTurn(message, stopTurns.signal),
    send: (job) => sender(job, undefined),
  });
  handleTurn = createDirectTurnHandler({ config, nanobotHome, send: async (reply) => void (await queues.addOutbound(reply)), log });
  const run = await createChannelRun({ api, queues, settings, typing, markers });

  const polling = new AbortController();
  const running = run({ signal: polling.signal, reportAlive: () => undefined, reportState: () => undefined });
  running.catch((err) => {
    log.fatal({ err }, 'baseline poller failed');
    process.exit(1);
  });

  process.on('message', (msg) => {
    if (msg?.type !== 'stop') return;
    polling.abort();
    void running
      .then(() => queues.close())
      .then(() => {
        typing.stopAll();
        process.exit(0);
      });
  });
  // Orphaned (the benchmark died): nothing left to measure.
  process.on('disconnect', () => process.exit(1));
  // The parent probes end to end before measuring; `ready` only says the process is up.
  process.send?.({ type: 'ready' });
}

main().catch((err) => {
  log.fatal({ err }, 'baseline failed to start');
  process.exit(1);
});
