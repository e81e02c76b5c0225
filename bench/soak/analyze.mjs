/** What the soak's numbers are made of, per channel: reply times, recovery after each fault, and the details of any loss. */
import { summarize } from '../recovery/stats.mjs';

/** `echo: <text>` → every time a reply carrying it reached a user (`replies`: `{ text, at }`). */
export function replyIndex(replies) {
  const byText = new Map();
  for (const r of replies) byText.set(r.text, [...(byText.get(r.text) ?? []), r.at]);
  return byText;
}

/** Per message: when it was sent and when its (first) reply came, or null. */
export function deliveries(sentLog, byText) {
  return sentLog.map((s) => ({ ...s, repliedAt: byText.get(`echo: ${s.text}`)?.[0] ?? null }));
}

/**
 * For each fault: the first soak reply in any chat after it, the first reply to
 * a message sent after it, and the slowest reply of the messages sent from 2 s
 * before to 10 s after it (the ones the fault could hold up).
 */
export function faultRecovery(faults, delivered) {
  const replyTimes = delivered.map((d) => d.repliedAt).filter((at) => at !== null).sort((a, b) => a - b);
  return faults.map((fault) => {
    if (fault.at === undefined || fault.skipped !== undefined) return fault;
    const next = replyTimes.find((at) => at > fault.at);
    const afterReplies = delivered.filter((d) => d.at > fault.at && d.repliedAt !== null).map((d) => d.repliedAt);
    const near = delivered.filter((d) => d.at >= fault.at - 2_000 && d.at <= fault.at + 10_000);
    const slowest = near.reduce((max, d) => (d.repliedAt === null ? Infinity : Math.max(max, d.repliedAt - d.at)), 0);
    return {
      ...fault,
      nextReplyMs: next === undefined ? null : next - fault.at,
      firstNewReplyMs: afterReplies.length === 0 ? null : Math.min(...afterReplies) - fault.at,
      slowestNearbyReplyMs: slowest === Infinity ? null : slowest,
    };
  });
}

/** The name a fault is grouped under: kills by process name, the rest by kind. */
export const faultKey = (f) => (f.kind === 'kill' ? `kill -9 ${f.target.split(':')[0]}` : f.kind);

/** Recovery summaries per fault kind (kills grouped by process name). */
export function recoveryByKind(recovered) {
  const groups = new Map();
  for (const f of recovered) {
    if (f.at === undefined || f.skipped !== undefined || f.error !== undefined) continue;
    groups.set(faultKey(f), [...(groups.get(faultKey(f)) ?? []), f]);
  }
  return Object.fromEntries(
    [...groups].map(([key, list]) => [
      key,
      {
        count: list.length,
        nextReply: summarize(list.map((f) => f.nextReplyMs)),
        firstNewReply: summarize(list.map((f) => f.firstNewReplyMs)),
        slowestNearbyReply: summarize(list.map((f) => f.slowestNearbyReplyMs)),
      },
    ]),
  );
}

const nearFaults = (faults, at, startedAt) =>
  faults
    .filter((f) => f.at !== undefined && f.at >= at - 30_000 && f.at <= at + 10_000)
    .map((f) => `${f.kind} ${f.target ?? ''} at +${((f.at - startedAt) / 1000).toFixed(1)} s`.trim());

/**
 * Which messages of one channel went wrong, when they were sent, and which faults
 * were near them. `replies`: everything users in the soak's chats received
 * (`{ chat, text, at }`).
 */
export function problemDetails({ report, sentLog, faults, replies, startedAt }) {
  const sentByText = new Map(sentLog.map((s) => [`echo: ${s.text}`, s]));
  const describe = (reply) => {
    const s = sentByText.get(reply);
    if (s === undefined) return { reply };
    return { text: s.text, chat: s.chat, ref: s.ref, sentAtS: (s.at - startedAt) / 1000, faultsNear: nearFaults(faults, s.at, startedAt) };
  };
  const byText = replyIndex(replies);
  const atS = (at) => (at - startedAt) / 1000;
  return {
    lost: report.missing.map(describe),
    duplicated: report.duplicated.map((reply) => ({ ...describe(reply), repliesAtS: (byText.get(reply) ?? []).map(atS) })),
    reorderedChats: report.reorderedChats.map((chat) => ({
      chat,
      replies: replies.filter((r) => r.chat === chat).map((r) => `${atS(r.at).toFixed(1)} s ${r.text.slice(0, 60)}`),
    })),
    // Error answers and anything else the soak did not ask for (e.g. "turn crashed too often").
    otherReplies: replies.filter((r) => !r.text.startsWith('echo: soak-')).map((r) => ({ chat: r.chat, atS: atS(r.at), text: r.text.slice(0, 200) })),
  };
}
