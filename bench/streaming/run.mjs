/**
 * bench/streaming: with channels.telegram.streaming, the time from the model's first chunk to the
 * first visible text in the chat (p50/p99), and the Bot API calls each streamed reply costs
 * (sendMessage + editMessageText). The baseline, measured in the same run on a second cluster with
 * streaming off, is the time from the first chunk to the whole reply in the chat. The real cluster
 * under pm2, a private redis-server, the fake Telegram, a fake LLM that streams a word per chunk.
 *
 *   node bench/streaming/run.mjs [--replies 30] [--words 40] [--chunk-ms 50]
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startTelegramStack } from '@nanobot/testkit';

const { values: args } = parseArgs({
  options: { replies: { type: 'string', default: '30' }, words: { type: 'string', default: '40' }, 'chunk-ms': { type: 'string', default: '50' } },
});
const replies = Number(args.replies);
const words = Number(args.words);
const chunkMs = Number(args['chunk-ms']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const answerOf = (n) => `answer ${n}: ${Array.from({ length: words }, (_, i) => `word${i}`).join(' ')}`;

async function until(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** One cluster, `replies` messages one after another; per reply: first chunk → first text, → whole text, API calls. */
async function measure(streaming) {
  const stack = await startTelegramStack({
    configure: (config) => {
      config.channels.telegram.streaming = streaming;
      config.channels.telegram.streamEditInterval = 1;
    },
  });
  const rows = [];
  try {
    stack.llm.setChunkDelay(chunkMs);
    for (let n = 0; n < replies + 2; n += 1) {
      const chatId = 8100 + n;
      const answer = answerOf(n);
      stack.llm.script({ content: answer });
      const chunksBefore = stack.llm.firstChunks().length;
      stack.telegram.injectMessage({ chatId, text: `tell me ${n}` });
      await until(() => stack.telegram.sentTo(chatId).length > 0, 60_000);
      const first = stack.telegram.sentTo(chatId)[0];
      const shown = () => stack.telegram.edits().filter((e) => e.chatId === String(chatId) && e.messageId === first.messageId).at(-1)?.visibleText ?? first.visibleText;
      await until(() => shown() === answer, 60_000);
      const wholeAt = stack.telegram.edits().filter((e) => e.chatId === String(chatId)).at(-1)?.at ?? first.at;
      await sleep(300);
      const chunkAt = stack.llm.firstChunks()[chunksBefore];
      const calls = ['sendMessage', 'editMessageText'].map((m) => stack.telegram.calls(m).filter((c) => String(c.params.chat_id) === String(chatId)).length);
      // The first two warm the cluster up.
      if (n >= 2) rows.push({ firstMs: first.at - chunkAt, wholeMs: wholeAt - chunkAt, sends: calls[0], edits: calls[1] });
    }
  } finally {
    await stack.close();
  }
  return rows;
}

const streamed = await measure(true);
const whole = await measure(false);
const summary = (rows, key) => ({ p50: pct(rows.map((r) => r[key]), 50), p99: pct(rows.map((r) => r[key]), 99) });
const first = summary(streamed, 'firstMs');
const baseline = summary(whole, 'firstMs');
const calls = streamed.map((r) => r.sends + r.edits);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`${replies} replies of ${words + 2} words, ${chunkMs} ms between chunks (about ${((words + 2) * chunkMs / 1000).toFixed(1)} s of streaming each), streamEditInterval 1 s`);
console.log(`streaming on : first chunk → first visible text  p50 ${first.p50} ms, p99 ${first.p99} ms`);
console.log(`streaming off: first chunk → first visible text  p50 ${baseline.p50} ms, p99 ${baseline.p99} ms (the whole reply)`);
console.log(`ratio of p50s (on / off): ${(first.p50 / baseline.p50).toFixed(3)}`);
console.log(`Bot API calls per streamed reply: median ${pct(calls, 50)}, max ${Math.max(...calls)} (sendMessage ${pct(streamed.map((r) => r.sends), 50)}, editMessageText ${pct(streamed.map((r) => r.edits), 50)}); off: ${pct(whole.map((r) => r.sends + r.edits), 50)}`);
