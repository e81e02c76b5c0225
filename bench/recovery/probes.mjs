/** Small measuring tools over the fakes and pm2: when did a reply arrive, which worker to kill, is pm2 calm again. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** When the fake Telegram recorded the fake LLM's echo of `text` (ms since epoch), or null after `timeoutMs`. */
export async function replyAt(telegram, text, timeoutMs) {
  const want = `echo: ${text}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = telegram.sent().find((m) => m.visibleText === want);
    if (reply !== undefined) return reply.at;
    if (Date.now() > deadline) return null;
    await sleep(5);
  }
}

/** Polls `predicate` every 2 ms (a mid-turn kill has a window of a few hundred ms); false after `timeoutMs`. */
export async function until(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

/** The telegram worker holding the poller lease (`nb:lease:telegram:<botId>` = `host:<pm_id>`). */
export async function leaseHolder({ client, cluster, telegram }) {
  const holder = await client.get(`nb:lease:telegram:${telegram.botId}`);
  const pmId = Number(holder?.split(':').pop());
  const proc = (await cluster.processes()).find((p) => p.name === 'nanobot-telegram' && p.pmId === pmId);
  return proc === undefined || proc.pid === 0 ? null : { pmId, pid: proc.pid };
}

/**
 * How often pm2 reset the exponential restart delay of `name` so far. pm2 grows the
 * delay (100 ms, ×1.5, up to 15 s) on each crash and resets it once the process has
 * been up 30 s, checked by its 30 s worker loop (pm2 lib/God.js, lib/Worker.js).
 */
export async function backoffResets(cluster, name) {
  // No pm2.log yet means no reset yet.
  const text = await readFile(join(cluster.pm2Home, 'pm2.log'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes(`Reset the restart delay, as app ${name} has`)).length;
}

/** The restart delays pm2 chose for `name` (from its "will restart in <n>ms" lines). */
export async function restartDelays(cluster, name) {
  const text = await readFile(join(cluster.pm2Home, 'pm2.log'), 'utf8').catch(() => '');
  const pattern = new RegExp(`App \\[${name}:\\d+\\] will restart in (\\d+)ms`);
  return text
    .split('\n')
    .map((line) => pattern.exec(line)?.[1])
    .filter((x) => x !== undefined)
    .map(Number);
}

/**
 * Tracks kills per process name so that the next kill of the same name waits
 * until pm2 has reset its restart delay: each rep then measures an isolated
 * crash, not the fifth crash in a row.
 */
export function createCalmTracker(cluster) {
  const pending = new Map();
  return {
    async beforeKill(name) {
      const resetsAtKill = pending.get(name);
      if (resetsAtKill === undefined) return;
      const deadline = Date.now() + 75_000;
      while ((await backoffResets(cluster, name)) <= resetsAtKill && Date.now() < deadline) await sleep(1_000);
      pending.delete(name);
    },
    async killed(name) {
      pending.set(name, await backoffResets(cluster, name));
    },
  };
}
