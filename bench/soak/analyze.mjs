/** What the soak's numbers are made of: reply times, recovery after each fault, and the details of any loss. */
import { summarize } from '../recovery/stats.mjs';

/** `echo: <text>` → every time a reply carrying it reached the fake Telegram. */
export function replyIndex(telegram) {
  const byText = new Map();
  for (const m of telegram.sent()) byText.set(m.visibleText, [...(byText.get(m.visibleText) ?? []), m.at]);
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

/** Recovery summaries per fault kind (kills grouped by process name). */
export function recoveryByKind(recovered) {
  const groups = new Map();
  for (const f of recovered) {
    if (f.at === undefined || f.skipped !== undefined) continue;
    const key = f.kind === 'kill' ? `kill -9 ${f.target.split(':')[0]}` : f.kind;
    groups.set(key, [...(groups.get(key) ?? []), f]);
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

/** Which messages went wrong, when they were sent, and which faults were near them. */
export function problemDetails({ report, sentLog, faults, telegram, startedAt, chats }) {
  const sentByText = new Map(sentLog.map((s) => [`echo: ${s.text}`, s]));
  const describe = (reply) => {
    const s = sentByText.get(reply);
    if (s === undefined) return { reply };
    return { text: s.text, chatId: s.chatId, updateId: s.updateId, sentAtS: (s.at - startedAt) / 1000, faultsNear: nearFaults(faults, s.at, startedAt) };
  };
  const soakChats = new Set(chats.map(String));
  const otherReplies = telegram
    .sent()
    .filter((m) => soakChats.has(String(m.chatId)) && !m.visibleText.startsWith('echo: soak-'))
    .map((m) => ({ chatId: m.chatId, atS: (m.at - startedAt) / 1000, text: m.visibleText.slice(0, 200) }));
  const byText = replyIndex(telegram);
  return {
    lost: report.missing.map(describe),
    duplicated: report.duplicated.map((reply) => ({
      ...describe(reply),
      repliesAtS: (byText.get(reply) ?? []).map((at) => (at - startedAt) / 1000),
    })),
    reorderedChats: report.reorderedChats.map((chatId) => ({
      chatId,
      replies: telegram.sentTo(chatId).map((m) => `${((m.at - startedAt) / 1000).toFixed(1)} s ${m.visibleText.slice(0, 60)}`),
    })),
    // Error answers and anything else the soak did not ask for (e.g. "turn crashed too often").
    otherReplies,
  };
}
