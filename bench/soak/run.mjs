/**
 * bench/soak: the reliability soak of docs/reliability.md over every channel with a fake. 2,000
 * messages over 50 chats (10 each Telegram, WhatsApp through a fake bridge, Discord through a
 * fake gateway, Slack through a fake Socket Mode server, email through a real Dovecot and an
 * SMTP sink) for ~10 minutes through the real cluster, random kill -9 of any worker every
 * 10–30 s, two Redis restarts, two bridge restarts, one Dovecot restart, then a quiet drain. Exits 1 if any message was lost, duplicated or answered out of order, in
 * any channel.
 *
 *   npm run bench:soak -- [--minutes 10] [--messages 2000] [--chats 50] [--whatsapp-chats 10] [--discord-chats 10] [--slack-chats 10] [--email-chats 10] [--imap-restarts 1] [--seed 1] [--keep-logs]
 *   npm run bench:soak -- --no-whatsapp --no-discord --no-slack --no-email   # Telegram only
 *   npm run bench:soak -- --minutes 2 --messages 400        # a quick run
 *
 * Prints markdown and writes JSON to bench/results/soak-<date>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@nanobot/testkit';
import { describeMachine } from '../recovery/stats.mjs';
import { faultTimeline, soakMarkdown } from './report.mjs';
import { runSoak, soakDefaults } from './soak.mjs';

const numeric = [
  'minutes', 'messages', 'chats', 'whatsappChats', 'discordChats', 'slackChats', 'emailChats', 'agents', 'killMinS', 'killMaxS', 'redisRestarts', 'bridgeRestarts', 'bridgeDownS', 'imapRestarts', 'imapDownS',
  'llmMinMs', 'llmMaxMs', 'drainS', 'quietS', 'seed',
];
const flag = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const { values: args } = parseArgs({
  options: {
    ...Object.fromEntries(numeric.map((name) => [flag(name), { type: 'string', default: String(soakDefaults[name]) }])),
    'log-level': { type: 'string', default: soakDefaults.logLevel },
    'keep-logs': { type: 'boolean', default: false },
    'no-whatsapp': { type: 'boolean', default: false },
    'no-discord': { type: 'boolean', default: false },
    'no-slack': { type: 'boolean', default: false },
    'no-email': { type: 'boolean', default: false },
  },
});
const options = Object.fromEntries(numeric.map((name) => [name, Number(args[flag(name)])]));
for (const [name, value] of Object.entries(options)) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag(name)} must be a number ≥ 0, got ${args[flag(name)]}`);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(repoRoot, 'bench/results');
const interrupted = new AbortController();
process.on('SIGINT', () => {
  if (interrupted.signal.aborted) process.exit(130);
  console.error('interrupted: draining and stopping what was started (Ctrl-C again to quit at once)');
  interrupted.abort();
});

async function main() {
  const machine = describeMachine();
  const result = await runSoak({
    ...options,
    whatsapp: !args['no-whatsapp'],
    discord: !args['no-discord'],
    slack: !args['no-slack'],
    email: !args['no-email'],
    logLevel: args['log-level'],
    keepLogsIn: args['keep-logs'] ? join(resultsDir, `soak-${stamp}-logs`) : undefined,
    signal: interrupted.signal,
    onFault: (f) => console.error(`${new Date().toISOString()} ${f.kind} ${f.target ?? ''} ${f.skipped ?? f.error ?? ''}`),
  });
  const { signal, onFault, ...plainOptions } = result.options;
  const header = `${result.startedAt} · ${machine.nproc} cores ${machine.cpu} · Node ${machine.node} · ${machine.redis.split(' ').slice(0, 3).join(' ')} · load ${machine.loadavg1AtStart} at start`;
  console.log(`${header}\n\n${soakMarkdown(result)}\n\n${faultTimeline(result)}`);
  if (!result.ok) console.log(`\nPROBLEMS\n${JSON.stringify({ problems: result.problems, logLines: result.logLines }, null, 2)}`);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `soak-${stamp}.json`);
  await writeFile(file, JSON.stringify({ command: process.argv.slice(2), machine, ...result, options: plainOptions }, null, 2));
  console.error(`results: ${file}`);
  process.exitCode = result.ok && !interrupted.signal.aborted ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
