/** The markdown of a soak run. */
const cell = (x) => (x === null || x === undefined ? '—' : String(x));
const range = (s) => `${cell(s.median)} / ${cell(s.p90)} / ${cell(s.max)}`;

export function soakMarkdown(result) {
  const o = result.options;
  const lines = [
    `${o.messages} messages over ${o.chats} chats in ${o.minutes} min, ${o.agents} agent instances, LLM latency ${o.llmMinMs}–${o.llmMaxMs} ms, a kill -9 every ${o.killMinS}–${o.killMaxS} s, ${o.redisRestarts} Redis restarts, seed ${o.seed}`,
    '',
    '| sent | answered | lost | duplicated | reordered chats | reply latency median / p90 / max ms | backlog drained after sending ended |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${result.sent} | ${result.answered} | ${result.lost} | ${result.duplicated} | ${result.reorderedChats} | ${range(result.latency)} | ${(result.drainMs / 1000).toFixed(1)} s |`,
    '',
    '| fault | count | next reply, any chat: median / p90 / max ms | first reply to a message sent after it | slowest reply of messages sent −2 s…+10 s around it |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [kind, r] of Object.entries(result.recovery)) {
    lines.push(`| ${kind} | ${r.count} | ${range(r.nextReply)} | ${range(r.firstNewReply)} | ${range(r.slowestNearbyReply)} |`);
  }
  lines.push('', '| process | pm_id | kills | pm2 restarts | status |', '| --- | ---: | ---: | ---: | --- |');
  for (const p of result.restarts) {
    const kills = result.faults.filter((f) => f.target === `${p.name}:${p.pmId}`).length;
    lines.push(`| ${p.name} | ${p.pmId} | ${kills} | ${p.restarts} | ${p.status} |`);
  }
  return lines.join('\n');
}

/** Every fault in order, with its recovery times. */
export function faultTimeline(result) {
  const startedAt = Date.parse(result.startedAt);
  const lines = ['| at s | fault | next reply ms | first new reply ms | slowest nearby ms |', '| ---: | --- | ---: | ---: | ---: |'];
  for (const f of result.faults) {
    const what = `${f.kind} ${f.target ?? ''}${f.skipped ? ` (skipped: ${f.skipped})` : ''}${f.error ? ` (error: ${f.error})` : ''}`;
    lines.push(`| ${((f.at - startedAt) / 1000).toFixed(1)} | ${what} | ${cell(f.nextReplyMs)} | ${cell(f.firstNewReplyMs)} | ${cell(f.slowestNearbyReplyMs)} |`);
  }
  return lines.join('\n');
}
