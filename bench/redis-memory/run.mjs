/**
 * bench/redis-memory: Redis keys and used_memory after N messages through the bus, and after
 * the retention window.
 *
 * The path driven is the cluster's own bus code, in one process, without a model: for every
 * message the channel's add (inbound job + session mailbox + the chat's "seen" record), the
 * agent's part (mailbox lease, reply queued, commit, release) and the sender's (sending and
 * sent markers, the chat's ids), each in real BullMQ workers on a private redis-server. A full
 * turn per message with the fake LLM would add the session file (on disk, not in Redis) and
 * the tool-call records (deleted when the turn ends), so Redis sees the same keys.
 *
 * The retention window (7 days) is simulated: with `--retention-scale 0.0001` every retention
 * derived from a day is shortened (NANOBOT_RETENTION_SCALE; 7 days become 60 s), the run waits
 * the window out, sends a trickle of messages (BullMQ removes old completed jobs when later
 * jobs complete) and measures again.
 *
 *   node bench/redis-memory/run.mjs [--messages 100000] [--chats 1000] [--retention-scale 0.0001]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    chats: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '200' },
    'retention-scale': { type: 'string' },
    trickle: { type: 'string', default: '2000' },
  },
});
const scale = args['retention-scale'];
if (scale !== undefined) process.env.NANOBOT_RETENTION_SCALE = scale;

// Imported after the scale is set: the bus reads it once, when it loads.
const bus = await import('@nanobot/bus');
const { startRedis } = await import('@nanobot/testkit');
const { createLogger } = await import('@nanobot/log');
const { Worker } = await import('bullmq');
const { Redis } = await import('ioredis');

const log = createLogger({ name: 'bench-redis-memory', level: 'warn' });
const total = Number(args.messages);
const chats = Number(args.chats);
const concurrency = Number(args.concurrency);

const server = await startRedis({ appendonly: false });
const producer = new Redis(server.url, { maxRetriesPerRequest: null });
const connections = [];
const workerConnection = () => {
  const connection = new Redis(server.url, { maxRetriesPerRequest: null });
  connections.push(connection);
  return connection;
};
const queues = bus.createQueues(producer, log);
await queues.waitUntilReady();
const mailbox = bus.createSessionMailbox(producer, 10_000);
const markers = bus.createSentMarkers(producer);
let replied = 0;
let nextMessageId = 1;

const agent = new Worker(
  bus.queueNames.inbound,
  async (job) => {
    const message = job.data;
    const token = randomUUID();
    if ((await mailbox.acquire(message.sessionKey, token, job.id)) !== 1) return 'queued';
    for (;;) {
      const entry = await mailbox.peek(message.sessionKey);
      if (entry === null) {
        if ((await mailbox.release(message.sessionKey, token)) !== 0) return 'drained';
        continue;
      }
      const inbound = JSON.parse(entry.json);
      await queues.addOutbound({ id: `${inbound.id}-reply`, channel: inbound.channel, chatId: inbound.chatId, text: `reply to ${inbound.text}`, replyTo: inbound.id });
      await mailbox.commit(message.sessionKey, token, [entry.id], { modelAnswered: true });
    }
  },
  { connection: workerConnection(), prefix: bus.bullPrefix, concurrency: 50, ...bus.workerReliability },
);
const sender = new Worker(
  bus.queueNames.outbound('telegram'),
  async (job) => {
    const chat = String(job.data.chatId);
    await markers.markSending(job.id, 0, { text: job.data.text, parseMode: null, floor: null });
    await markers.markDelivered(job.id, 0, { chat, messageId: nextMessageId++ });
    replied += 1;
  },
  { connection: workerConnection(), prefix: bus.bullPrefix, concurrency: 50, ...bus.workerReliability },
);

let seq = 0;
async function send(count) {
  const target = replied + count;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      seq += 1;
      const chatId = String(1 + (seq % chats));
      const updateId = 1_000_000 + seq;
      const message = {
        id: `tg-bench-${updateId}`, channel: 'telegram', kind: 'message', chatId, senderId: chatId, sessionKey: `telegram:${chatId}`,
        text: `message ${seq} with a few words of text`, seq: updateId, receivedAt: Date.now(), media: [], metadata: {},
      };
      await queues.addInbound(message);
      await markers.noteSeen(chatId, updateId);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  while (replied < target) await new Promise((r) => setTimeout(r, 200));
  // Replies go out before the jobs of the messages they answer are done: a session's holder answers
  // its whole mailbox, and the other jobs of the session finish after it. Wait for every queue.
  const busy = async () => {
    const counts = await Promise.all([queues.inbound, queues.outbound('telegram')].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
    return counts.some((c) => Object.values(c).some((n) => n > 0));
  };
  while (await busy()) await new Promise((r) => setTimeout(r, 500));
}

async function measure(label) {
  await producer.call('MEMORY', 'PURGE').catch(() => undefined);
  const keys = Number(await producer.dbsize());
  const info = await producer.info('memory');
  const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  const kinds = new Map();
  let cursor = '0';
  do {
    const [nextCursor, batch] = await producer.scan(cursor, 'COUNT', 1000);
    cursor = nextCursor;
    for (const key of batch) {
      const kind = key
        .replace(/^nb:(inbound|outbound-\w+):(de:)?tg-bench-\d+(-reply)?(:\w+)?$/, 'nb:$1:$2<job>$4')
        .replace(/^nb:sent:.*$/, 'nb:sent:<job>:<chunk>')
        .replace(/^nb:chat:\d+:/, 'nb:chat:<chat>:')
        .replace(/^nb:sess:\{telegram:\d+\}:/, 'nb:sess:{<session>}:');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  } while (cursor !== '0');
  console.log(`\n${label}: ${keys} keys, used_memory ${(used / 1048576).toFixed(1)} MB`);
  for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${String(n).padStart(7)}  ${kind}`);
  return { keys, used };
}

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GB; retention scale ${scale ?? 1}`);
const baseline = await measure('empty');
const started = Date.now();
for (let done = 0; done < total; done += 10_000) {
  await send(Math.min(10_000, total - done));
  process.stdout.write(`\r${done + Math.min(10_000, total - done)} messages (${Math.round((Date.now() - started) / 1000)} s)`);
}
const after = await measure(`after ${total} messages (${Math.round((Date.now() - started) / 1000)} s)`);
if (scale !== undefined) {
  const windowMs = 7 * bus.retentionDayMs + 5_000;
  console.log(`\nwaiting out the scaled retention window (${Math.round(windowMs / 1000)} s)...`);
  await new Promise((r) => setTimeout(r, windowMs));
  await send(Number(args.trickle));
  await measure(`after the retention window and ${args.trickle} more messages`);
}
console.log(JSON.stringify({ total, chats, baseline, after }));
await agent.close();
await sender.close();
await queues.close();
await Promise.all(connections.map((c) => c.quit()));
await producer.quit();
await server.close();
