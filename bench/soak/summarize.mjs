/** A soak run's result: per channel what users received, per fault the recovery in each channel, and pm2's view. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize } from '../recovery/stats.mjs';
import { deliveries, faultRecovery, problemDetails, recoveryByKind, replyIndex } from './analyze.mjs';

/** The lines of the pm2 logs that mention any of the needles (job ids of lost or duplicated messages). */
async function logLinesFor(cluster, needles) {
  if (needles.length === 0) return [];
  const dir = join(cluster.pm2Home, 'logs');
  // No log folder means the workers never wrote a line: nothing to show.
  const files = await readdir(dir).catch(() => []);
  const texts = await Promise.all(files.map(async (f) => ({ f, text: await readFile(join(dir, f), 'utf8') })));
  return texts
    .flatMap(({ f, text }) => text.split('\n').filter((line) => needles.some((n) => line.includes(n))).map((line) => `${f}: ${line.slice(0, 400)}`))
    .slice(0, 200);
}

/** One channel's numbers, the recovery of each fault as that channel saw it, and its problems. */
function channelSummary({ channel, sentLog, faults, times }) {
  const report = channel.traffic.report();
  const replies = channel.replies();
  const sent = sentLog.filter((s) => s.channel === channel.name);
  const delivered = deliveries(sent, replyIndex(replies));
  const recovered = faultRecovery(faults, delivered);
  const problems = problemDetails({ report, sentLog: sent, faults, replies, startedAt: times.startedAt });
  const lastReplyAt = Math.max(0, ...delivered.map((d) => d.repliedAt ?? 0));
  return {
    summary: {
      chats: channel.chats.length,
      sent: report.sent,
      answered: report.answered,
      lost: report.missing.length,
      duplicated: report.duplicated.length,
      unexpected: report.unexpected.length,
      reorderedChats: report.reorderedChats.length,
      latency: summarize(delivered.filter((d) => d.repliedAt !== null).map((d) => d.repliedAt - d.at)),
      // From the last message sent to the last reply (how long the backlog took to drain).
      drainMs: Math.max(0, lastReplyAt - times.sendingEndedAt),
      recovery: recoveryByKind(recovered),
      problems,
      ...channel.extra(),
    },
    recovered,
    needles: [...problems.lost, ...problems.duplicated].filter((p) => p.ref != null).map((p) => channel.logNeedle(p.ref)),
  };
}

const recoveryFields = (f) => ({ nextReplyMs: f.nextReplyMs, firstNewReplyMs: f.firstNewReplyMs, slowestNearbyReplyMs: f.slowestNearbyReplyMs });
const sum = (list, key) => list.reduce((n, c) => n + c[key], 0);

/** Everything the soak reports: totals, per channel, each fault with its recovery per channel, pm2 restarts. */
export async function summarizeRun({ setup, channels, sentLog, faults, options, times }) {
  const perChannel = channels.map((channel) => ({ name: channel.name, ...channelSummary({ channel, sentLog, faults, times }) }));
  const summaries = perChannel.map((c) => c.summary);
  const withRecovery = faults.map((fault, i) =>
    fault.at === undefined || fault.skipped !== undefined || fault.error !== undefined
      ? fault
      : { ...fault, recovery: Object.fromEntries(perChannel.map((c) => [c.name, recoveryFields(c.recovered[i])])) },
  );
  const processes = await setup.cluster.processes();
  const totals = Object.fromEntries(['sent', 'answered', 'lost', 'duplicated', 'unexpected', 'reorderedChats'].map((k) => [k, sum(summaries, k)]));
  return {
    options,
    startedAt: new Date(times.startedAt).toISOString(),
    sendingMs: times.sendingEndedAt - times.startedAt,
    drainMs: Math.max(...summaries.map((s) => s.drainMs)),
    ...totals,
    channels: Object.fromEntries(perChannel.map((c) => [c.name, c.summary])),
    faults: withRecovery,
    restarts: processes.map((p) => ({ name: p.name, pmId: p.pmId, status: p.status, restarts: p.restarts })),
    logLines: await logLinesFor(setup.cluster, perChannel.flatMap((c) => c.needles)),
    ok: totals.lost + totals.duplicated + totals.unexpected + totals.reorderedChats === 0,
  };
}
