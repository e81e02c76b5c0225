/** The markdown of a soak run. */
const cell = (x) => (x === null || x === undefined ? '—' : String(x));
const range = (s) => `${cell(s.median)} / ${cell(s.p90)} / ${cell(s.max)}`;

function settings(o, channels) {
  const whatsapp = o.whatsapp && o.whatsappChats > 0;
  const names = { telegram: 'Telegram', whatsapp: 'WhatsApp', discord: 'Discord', slack: 'Slack', email: 'email' };
  const chats = `${o.chats} chats (${Object.entries(channels).map(([name, c]) => `${c.chats} ${names[name] ?? name}`).join(', ')})`;
  const bridge = whatsapp ? `, ${o.bridgeRestarts} WhatsApp bridge restarts (${o.bridgeDownS} s down)` : '';
  const imap = o.email && o.emailChats > 0 ? `, ${o.imapRestarts} Dovecot restarts (${o.imapDownS} s down)` : '';
  return `${o.messages} messages over ${chats} in ${o.minutes} min, ${o.agents} agent instances, LLM latency ${o.llmMinMs}–${o.llmMaxMs} ms, a kill -9 every ${o.killMinS}–${o.killMaxS} s, ${o.redisRestarts} Redis restarts${bridge}${imap}, seed ${o.seed}`;
}

export function soakMarkdown(result) {
  const lines = [
    settings(result.options, result.channels),
    '',
    '| channel | chats | sent | answered | lost | duplicated | reordered chats | reply latency median / p90 / max ms | backlog drained after sending ended |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, c] of Object.entries(result.channels)) {
    lines.push(`| ${name} | ${c.chats} | ${c.sent} | ${c.answered} | ${c.lost} | ${c.duplicated} | ${c.reorderedChats} | ${range(c.latency)} | ${(c.drainMs / 1000).toFixed(1)} s |`);
  }
  lines.push(
    '',
    '| fault | channel | count | next reply, any chat: median / p90 / max ms | first reply to a message sent after it | slowest reply of messages sent −2 s…+10 s around it |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  );
  const kinds = [...new Set(Object.values(result.channels).flatMap((c) => Object.keys(c.recovery)))].sort();
  for (const kind of kinds) {
    for (const [name, c] of Object.entries(result.channels)) {
      const r = c.recovery[kind];
      if (r !== undefined) lines.push(`| ${kind} | ${name} | ${r.count} | ${range(r.nextReply)} | ${range(r.firstNewReply)} | ${range(r.slowestNearbyReply)} |`);
    }
  }
  lines.push('', '| process | pm_id | kills | pm2 restarts | status |', '| --- | ---: | ---: | ---: | --- |');
  for (const p of result.restarts) {
    const kills = result.faults.filter((f) => f.target === `${p.name}:${p.pmId}`).length;
    lines.push(`| ${p.name} | ${p.pmId} | ${kills} | ${p.restarts} | ${p.status} |`);
  }
  return lines.join('\n');
}

/** Every fault in order, with its recovery times per channel (next reply / first new reply / slowest nearby, ms). */
export function faultTimeline(result) {
  const startedAt = Date.parse(result.startedAt);
  const names = Object.keys(result.channels);
  const lines = [
    `| at s | fault | ${names.map((n) => `${n}: next / first new / slowest nearby ms`).join(' | ')} |`,
    `| ---: | --- |${names.map(() => ' ---: |').join('')}`,
  ];
  for (const f of result.faults) {
    const what = `${f.kind} ${f.target ?? ''}${f.skipped ? ` (skipped: ${f.skipped})` : ''}${f.error ? ` (error: ${f.error})` : ''}`;
    const cells = names.map((n) => {
      const r = f.recovery?.[n];
      return r === undefined ? '—' : `${cell(r.nextReplyMs)} / ${cell(r.firstNewReplyMs)} / ${cell(r.slowestNearbyReplyMs)}`;
    });
    lines.push(`| ${((f.at - startedAt) / 1000).toFixed(1)} | ${what} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
