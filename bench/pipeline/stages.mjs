/**
 * Where the time of one cluster round trip goes, read from the BullMQ job hashes
 * the run left in Redis (completed jobs are kept, see packages/bus job-options):
 * `timestamp` (set by the producer when it builds the add), `processedOn` (a
 * worker took it), and the fake's `SentMessage.at`. Every clock is `Date.now()`
 * on this machine, so stages are comparable at 1 ms resolution.
 */
import { Redis } from 'ioredis';
import { summarize } from './stats.mjs';

export const stageNames = [
  ['poll', 'injected → telegram worker builds the inbound add (long poll answer, toInbound)'],
  ['inboundWait', 'inbound add → an agent worker takes the job (add round trip, worker fetch)'],
  ['turn', 'agent takes the job → it builds the outbound add (mailbox, session file, LLM call)'],
  ['outboundWait', 'outbound add → the telegram outbound worker takes the job'],
  ['send', 'outbound job taken → the fake Telegram records sendMessage (sent-marker, HTTP)'],
];

const fields = ['timestamp', 'processedOn'];

/** @param {{ redisUrl: string, botId: number, replies: Array<{ updateId: number, at: number, sentAt: number }> }} options */
export async function readStages({ redisUrl, botId, replies }) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined); // a failed command rejects below; the event adds nothing
  try {
    await redis.connect();
    const pipeline = redis.pipeline();
    for (const reply of replies) {
      const id = `tg-${botId}-${reply.updateId}`;
      pipeline.hmget(`nb:inbound:${id}`, ...fields);
      pipeline.hmget(`nb:outbound-telegram:${id}-reply`, ...fields);
    }
    const answers = await pipeline.exec();
    const samples = Object.fromEntries(stageNames.map(([name]) => [name, []]));
    let missing = 0;
    replies.forEach((reply, i) => {
      const [inAdd, inTaken] = (answers[2 * i]?.[1] ?? []).map(Number);
      const [outAdd, outTaken] = (answers[2 * i + 1]?.[1] ?? []).map(Number);
      if (![inAdd, inTaken, outAdd, outTaken].every((t) => Number.isFinite(t) && t > 0)) {
        missing += 1;
        return;
      }
      samples.poll.push(inAdd - reply.at);
      samples.inboundWait.push(inTaken - inAdd);
      samples.turn.push(outAdd - inTaken);
      samples.outboundWait.push(outTaken - outAdd);
      samples.send.push(reply.sentAt - outTaken);
    });
    const stages = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarize(values)]));
    return { stages, samples, missing };
  } finally {
    redis.disconnect();
  }
}
