/**
 * Prompt cache: how much of each request's prompt a provider could serve from its cache, over a
 * 20-turn conversation with tools, for an OpenAI-style model (automatic prefix caching) and an
 * Anthropic one (cache_control breakpoints), and our system prompt next to nanobot's.
 *
 *   node bench/prompt-cache/run.mjs [--turns 20] [--apis openai,anthropic]
 *        [--nanobot-src <dir with nanobot/>] [--nanobot-git <nanobot .git dir>] [--nanobot-ref v0.3.0]
 *        [--compare]
 *
 * --compare adds a run with the clock in the system prompt (the layout before), for contrast.
 * The agent is the real one (apps/agent/dist/create-agent.js, every tool registered) against the
 * fake LLM with its prompt cache on (packages/testkit/src/fake-llm-cache.ts): a request's cached
 * part is the longest prefix it shares with an earlier request, tokens estimated at 4 characters
 * each. Two readings per request:
 * - cacheable: that prefix, exactly;
 * - billed as cached: what the provider would report, with its rules (OpenAI: prompts of 1024
 *   tokens or more, in steps of 128; Anthropic: only up to breakpoints, each at least 1024 tokens).
 * The clock moves 3 minutes per turn, so a clock in the prompt's prefix would show.
 * The model's side is scripted: in 12 of the 20 turns it reads a note or lists a folder first.
 * JSON goes to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { createPromptCache, startFakeLlm, tokensOf } from '@nanobot/testkit';
import { createSystemPromptBuilder, formatTime } from '../../apps/agent/dist/context/build-system-prompt.js';
import { createAgent } from '../../apps/agent/dist/create-agent.js';

const here = import.meta.dirname;
const root = resolve(here, '../..');
const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '20' },
    apis: { type: 'string', default: 'openai,anthropic' },
    'nanobot-src': { type: 'string' },
    'nanobot-git': { type: 'string' },
    'nanobot-ref': { type: 'string', default: 'v0.3.0' },
    compare: { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
const log = createLogger({ name: 'bench-prompt-cache', level: 'warn' });
const tag = '[Runtime Context';

const questions = [
  ['What meetings do I have this week?', [[{ name: 'read_file', arguments: { path: 'notes/meetings.md' } }]]],
  ['Which one is the most important for the bridge project?', []],
  ['What did the load tests show?', [[{ name: 'read_file', arguments: { path: 'notes/load-tests.md' } }]]],
  ['Summarise the disagreement between Rui and Marta in two lines.', []],
  ['What notes do I have?', [[{ name: 'list_dir', arguments: { path: 'notes' } }]]],
  ['Remind me what I planned for Porto.', [[{ name: 'read_file', arguments: { path: 'notes/porto-trip.md' } }]]],
  ['How long is the train ride?', []],
  ['Is there anything about Porto in my memory?', [[{ name: 'read_file', arguments: { path: 'memory/MEMORY.md' } }]]],
  ['When is the inspection report due?', []],
  ['Check the meetings again: when is the supplier call?', [[{ name: 'read_file', arguments: { path: 'notes/meetings.md' } }]]],
  ['What should I ask the supplier for?', []],
  ['Compare the load test limits with run 3.', [[{ name: 'read_file', arguments: { path: 'notes/load-tests.md' } }]]],
  ['Give me a one-paragraph status of Ponte Norte.', [[{ name: 'list_dir', arguments: { path: 'notes' } }], [{ name: 'read_file', arguments: { path: 'notes/load-tests.md' } }]]],
  ['Thanks. Anything I forgot for Tuesday?', []],
  ['What is on Thursday?', [[{ name: 'read_file', arguments: { path: 'notes/meetings.md' } }]]],
  ['Where is the dentist?', []],
  ['Which notes mention Rui?', [[{ name: 'read_file', arguments: { path: 'notes/load-tests.md' } }]]],
  ['Draft a two-line message to Marta about the re-run.', []],
  ['List my notes once more.', [[{ name: 'list_dir', arguments: { path: 'notes' } }]]],
  ['That is all for today, thank you.', []],
];

const answer = (turn) =>
  `Here is what I found for your question ${turn}. ` +
  'The short version: the notes agree with what you remembered, the one open point is the date, ' +
  'and nothing needs doing before tomorrow morning. Tell me if you want the details or a reminder.';

/** The scripted model: tool steps of the turn first, then the answer. The turn and step are read from the prompt. */
function responder(state) {
  return (request) => {
    const messages = request.body?.messages ?? [];
    let start = -1;
    messages.forEach((m, i) => {
      if (m.role === 'user' && JSON.stringify(m.content).includes(tag)) start = i;
    });
    const step = messages.slice(start + 1).filter((m) => m.role === 'assistant').length;
    const plan = questions[(state.turn - 1) % questions.length][1];
    return step < plan.length ? { toolCalls: plan[step] } : { content: answer(state.turn) };
  };
}

function configFor(api, llm, workspace) {
  const providers = api === 'anthropic' ? { anthropic: { apiKey: 'bench', apiBase: llm.baseUrl } } : { custom: { apiBase: llm.baseUrl } };
  const model = api === 'anthropic' ? 'claude-sonnet-4-6' : 'bench-model';
  const input = { agents: { defaults: { workspace, model, ...(api === 'anthropic' ? {} : { provider: 'custom' }) } }, providers };
  return parseConfig(input, { env: {}, homeDir: tmpdir(), nanobotHome: workspace, source: 'bench' }).config;
}

/**
 * `clockInSystem`: the layout before this change, for comparison: the minute in the system
 * prompt, near its start (emulated by putting it in the runtime line, which sits where the clock
 * used to; a fresh agent per turn, the session file carries the history).
 */
async function conversation(api, { clockInSystem = false } = {}) {
  const workspace = await mkdtemp(join(tmpdir(), 'nb-bench-cache-'));
  await cp(join(here, 'workspace'), workspace, { recursive: true });
  const llm = await startFakeLlm({ promptCache: true });
  const exact = createPromptCache({ minTokens: 0, incrementTokens: 1 });
  const state = { turn: 0 };
  llm.setResponder(responder(state));
  let clock = new Date('2026-12-01T09:00:00Z');
  const runtime = `Node.js ${process.version} on ${process.platform} ${process.arch}`;
  const config = configFor(api, llm, workspace);
  const makeAgent = () =>
    createAgent({
      config,
      nanobotHome: workspace,
      send: async () => undefined,
      log,
      env: { PATH: process.env.PATH },
      runtime: clockInSystem ? `Current Time: ${formatTime(clock, 'Europe/Lisbon')}\n${runtime}` : runtime,
      timeZone: 'Europe/Lisbon',
      startedAt: Date.now(),
      now: () => clock,
      modelOptions: { maxRetries: 0 },
    });
  let agent = makeAgent();
  const rows = [];
  const signal = new AbortController().signal;
  for (let turn = 1; turn <= turns; turn += 1) {
    state.turn = turn;
    if (clockInSystem) agent = makeAgent();
    const before = llm.requests().length;
    const text = questions[(turn - 1) % questions.length][0];
    const message = { kind: 'message', id: `bench-${turn}`, channel: 'telegram', chatId: '42', senderId: '7', sessionKey: 'telegram:42', seq: turn, receivedAt: 0, text, media: [] };
    await agent.handleTurn(message, { signal });
    const requests = llm.requests().slice(before);
    const row = { turn, requests: requests.length, prompt: 0, cacheable: 0, billedCached: 0, cacheWrite: 0 };
    for (const request of requests) {
      const api2 = request.api === 'anthropic' ? 'anthropic' : 'openai';
      const prefix = exact.observe(api2, request.model, request.body);
      row.prompt += request.cache.promptTokens;
      row.cacheable += prefix.cachedTokens;
      row.billedCached += request.cache.cachedTokens;
      row.cacheWrite += request.cache.cacheWriteTokens;
    }
    rows.push(row);
    clock = new Date(clock.getTime() + 3 * 60_000);
  }
  const history = await agent.sessions.readAll('telegram:42');
  const recorded = history.flatMap((e) => (e.role === 'assistant' && e.usage !== undefined ? [e.usage] : []));
  rows.forEach((row, i) => {
    row.recordedPrompt = recorded[i]?.promptTokens ?? null;
    row.recordedCached = recorded[i]?.cachedTokens ?? null;
  });
  const firstRequest = llm.requests()[0];
  const toolsChars = JSON.stringify(firstRequest?.body?.tools ?? []).length;
  await llm.close();
  await rm(workspace, { recursive: true, force: true });
  return { api, clockInSystem, rows, toolsChars };
}

const pct = (part, whole) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–');

function table(result) {
  const lines = [
    `### ${result.api === 'anthropic' ? 'Anthropic (cache_control breakpoints)' : 'OpenAI-style (automatic prefix caching)'}${result.clockInSystem ? ' — clock in the system prompt, as before' : ''}`,
    '',
    '| turn | requests | prompt tokens | cacheable | cacheable % | billed as cached | billed % | cache writes | recorded prompt / cached |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of result.rows) {
    lines.push(`| ${r.turn} | ${r.requests} | ${r.prompt} | ${r.cacheable} | ${pct(r.cacheable, r.prompt)} | ${r.billedCached} | ${pct(r.billedCached, r.prompt)} | ${r.cacheWrite} | ${r.recordedPrompt} / ${r.recordedCached} |`);
  }
  const later = result.rows.filter((r) => r.turn >= 2);
  const sum = (key) => later.reduce((s, r) => s + r[key], 0);
  const minShare = Math.min(...later.map((r) => r.cacheable / r.prompt));
  lines.push(`| **2–${result.rows.length}** | ${sum('requests')} | ${sum('prompt')} | ${sum('cacheable')} | **${pct(sum('cacheable'), sum('prompt'))}** | ${sum('billedCached')} | **${pct(sum('billedCached'), sum('prompt'))}** | ${sum('cacheWrite')} | |`);
  lines.push('', `Lowest cacheable share of a single turn from turn 2 on: ${pct(minShare, 1)}. Tool definitions: ${result.toolsChars} characters (≈ ${tokensOf(result.toolsChars)} tokens).`);
  return { lines, later: { prompt: sum('prompt'), cacheable: sum('cacheable'), billed: sum('billedCached'), minShare } };
}

/** nanobot's own prompt builder on the same workspace (nanobot-prompt.py), when its source is at hand. */
async function nanobotPrompt(workspace) {
  let source = values['nanobot-src'];
  let cleanup;
  if (source === undefined && values['nanobot-git'] !== undefined) {
    source = await mkdtemp(join(tmpdir(), 'nb-nanobot-src-'));
    cleanup = source;
    const archive = execFileSync('git', [`--git-dir=${values['nanobot-git']}`, 'archive', values['nanobot-ref'], 'nanobot'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    execFileSync('tar', ['-x', '-C', source], { input: archive });
  }
  if (source === undefined) return undefined;
  try {
    return execFileSync('python3', [join(here, 'nanobot-prompt.py'), source, workspace, 'telegram'], { encoding: 'utf8' });
  } finally {
    if (cleanup !== undefined) await rm(cleanup, { recursive: true, force: true });
  }
}

async function promptSizes() {
  const workspace = await mkdtemp(join(tmpdir(), 'nb-bench-prompt-'));
  await cp(join(here, 'workspace'), workspace, { recursive: true });
  const ours = await createSystemPromptBuilder({ workspace, runtime: `Node.js ${process.version} on linux x64`, timeZone: 'Europe/Lisbon', now: () => new Date(), env: { PATH: process.env.PATH } })({ channel: 'telegram', chatId: '42' });
  let theirs;
  let note = '';
  try {
    theirs = await nanobotPrompt(workspace);
    if (theirs === undefined) note = 'nanobot source not given (--nanobot-src or --nanobot-git): its prompt was not built';
  } catch (err) {
    note = `nanobot's prompt builder failed: ${String(err.message ?? err).split('\n')[0]}`;
  }
  await rm(workspace, { recursive: true, force: true });
  const lines = ['### System prompt for the same workspace (telegram)', '', '| prompt | characters | ≈ tokens | clock in it |', '| --- | ---: | ---: | --- |'];
  lines.push(`| nanobot cluster | ${ours.length} | ${tokensOf(ours.length)} | no (runtime context after the user's words) |`);
  if (theirs !== undefined) lines.push(`| nanobot ${values['nanobot-ref']} (its ContextBuilder) | ${theirs.length} | ${tokensOf(theirs.length)} | ${/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(theirs) ? 'yes' : 'no'} |`);
  if (note !== '') lines.push('', note);
  return { lines, ours: ours.length, theirs: theirs?.length ?? null };
}

const started = new Date();
const results = [];
const out = [`## Prompt cache — ${started.toISOString()}`, '', `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${turns} turns, tokens ≈ characters / 4.`, ''];
const variants = values.apis.split(',').map((api) => ({ api, clockInSystem: false }));
if (values.compare) variants.push({ api: 'openai', clockInSystem: true });
for (const variant of variants) {
  const result = await conversation(variant.api, variant);
  const shown = table(result);
  results.push({ ...result, summary: shown.later });
  out.push(...shown.lines, '');
}
const sizes = await promptSizes();
out.push(...sizes.lines);
console.log(out.join('\n'));
await mkdir(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `prompt-cache-${started.toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, JSON.stringify({ started, turns, results, systemPrompt: { ours: sizes.ours, nanobot: sizes.theirs } }, null, 2));
console.log(`\nJSON: ${file}`);
const missed = results.filter((r) => !r.clockInSystem && r.summary.cacheable / r.summary.prompt < 0.8);
if (missed.length > 0) {
  console.log(`target missed (< 80 % cacheable from turn 2 on): ${missed.map((r) => r.api).join(', ')}`);
  process.exitCode = 1;
}
