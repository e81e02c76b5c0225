/** The markdown table of a recovery run. */
import { summarize } from './stats.mjs';

export const scenarioInfo = {
  baseline: { label: 'baseline round trip, no fault (LLM 0 ms)', targetMs: null },
  baselineSlowLlm: { label: 'baseline round trip, no fault (LLM 500 ms)', targetMs: null },
  telegramKill: { label: 'kill -9 telegram worker → reply to a message sent right after', targetMs: 3_000 },
  agentKill: { label: 'kill -9 agent mid-turn (LLM 500 ms) → that message\'s reply', targetMs: 15_000 },
  redisRestart: { label: 'Redis restart (AOF) → reply to a message sent right after', targetMs: 5_000 },
  telegramOutage: { label: '{outage} s Bot API outage (502) ends → all replies to messages sent during it', targetMs: 5_000 },
  standbyBaseline: { label: 'baseline round trip, 2 telegram instances (LLM 0 ms)', targetMs: null },
  standbyTakeover: { label: 'kill -9 lease holder, 2 telegram instances → reply to a message sent right after', targetMs: 10_000 },
  standbyTakeoverFrozen: { label: 'lease holder frozen (SIGSTOP), 2 telegram instances → reply by the standby', targetMs: 10_000 },
};

const cell = (x) => (x === null || x === undefined ? '—' : String(x));

function exactlyOnce(report) {
  if (report === undefined) return '—';
  const bad = report.missing.length + report.duplicated.length + report.unexpected.length + report.reorderedChats.length;
  if (bad === 0) return `yes (${report.answered}/${report.sent})`;
  return `**NO**: ${report.missing.length} lost, ${report.duplicated.length} duplicated, ${report.reorderedChats.length} chats reordered`;
}

function withinTarget(samples, targetMs) {
  if (targetMs === null) return '—';
  const met = samples.filter((s) => typeof s.ms === 'number' && s.ms <= targetMs).length;
  return `${met === samples.length ? 'yes' : '**no**'} (${met}/${samples.length})`;
}

/**
 * `results`: scenario name → { samples: [{ ms, ... }], report?: TrafficReport };
 * `outageS`: the length of the Bot API outage (`--outage-s`), for its label.
 */
export function recoveryTable(results, outageS) {
  const lines = [
    '| scenario | target | reps | median ms | p90 ms | max ms | within target | every message once, in order |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const [name, info] of Object.entries(scenarioInfo)) {
    const result = results[name];
    if (result === undefined) continue;
    const s = summarize(result.samples.map((x) => x.ms));
    const target = info.targetMs === null ? '—' : `≤ ${info.targetMs}`;
    const reps = s.failed > 0 ? `${s.count} (+${s.failed} failed)` : String(s.count);
    lines.push(
      `| ${info.label.replace('{outage}', String(outageS))} | ${target} | ${reps} | ${cell(s.median)} | ${cell(s.p90)} | ${cell(s.max)} | ${withinTarget(result.samples, info.targetMs)} | ${exactlyOnce(result.report)} |`,
    );
  }
  return lines.join('\n');
}
