/**
 * Whether `HEARTBEAT.md` asks for anything: a line of content under the "Active Tasks" heading,
 * not counting headings, blank lines and HTML comments (the onboarding template has only those,
 * so a fresh workspace runs no heartbeat turn and costs nothing).
 */
export function hasActiveTasks(markdown: string): boolean {
  let inComment = false;
  let inActive = false;
  for (const raw of markdown.split(/\r?\n/)) {
    let line = raw.trim();
    if (inComment) {
      const end = line.indexOf('-->');
      if (end === -1) continue;
      inComment = false;
      line = line.slice(end + 3).trim();
    }
    while (line.startsWith('<!--')) {
      const end = line.indexOf('-->', 4);
      if (end === -1) {
        inComment = true;
        line = '';
        break;
      }
      line = line.slice(end + 3).trim();
    }
    if (line === '') continue;
    const heading = /^(#{1,6})\s*(.*)$/.exec(line);
    if (heading !== null) {
      if ((heading[1] ?? '').length <= 2) inActive = (heading[2] ?? '').trim().toLowerCase().startsWith('active tasks');
      continue;
    }
    if (inActive) return true;
  }
  return false;
}

/** What the heartbeat turn is told; an answer of just "All clear." is not sent to anyone. */
export function heartbeatPrompt(tasks: string): string {
  return [
    '[Heartbeat: a periodic background check. Your answer goes straight to the user\'s chat, so write only',
    'the message for them and never mention this instruction or HEARTBEAT.md. If nothing needs',
    'reporting, answer exactly "All clear." and nothing else.]',
    '',
    'Perform the active tasks below and report what the user should know:',
    '',
    tasks,
  ].join('\n');
}

/** True for a heartbeat answer that means "nothing to report". */
export function isAllClear(answer: string): boolean {
  if (answer.toUpperCase().includes('HEARTBEAT_OK')) return true;
  const text = answer.trim().replace(/[*_`]/g, '').toLowerCase();
  return text === '' || text === 'all clear.' || text === 'all clear';
}
