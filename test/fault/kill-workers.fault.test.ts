import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  cleanReport,
  createTraffic,
  startTelegramStack,
  type TelegramStack,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9101, 9102, 9103, 9104, 9105, 9106];

describe('kill -9 of workers while messages flow', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** On a failure, the cluster's logs go to .test-output/ before the stack (and its folder) is gone. */
  const keepLogsOnFailure = (name: string) =>
    onTestFailed(async () => {
      const dir = join('.test-output', `${name}-${Date.now()}`);
      await mkdir(dir, { recursive: true });
      for (const app of ['nanobot-telegram', 'nanobot-agent']) await writeFile(join(dir, `${app}.log`), await stack.cluster.logs(app));
    });

  it('answers every message exactly once, in order, when the telegram worker is killed mid-flow', async () => {
    keepLogsOnFailure('kill-telegram');
    stack.llm.setLatency({ minMs: 0, maxMs: 40 });
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'kill-tg' });
    let killedAt = 0;
    await traffic.stream(24, 120, async (round) => {
      if (round === 8) {
        process.kill(await stack.cluster.pidOf('nanobot-telegram'), 'SIGKILL');
        killedAt = Date.now();
      }
    });
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(killedAt).toBeGreaterThan(0);
    const restarted = (await stack.cluster.processes()).find((p) => p.name === 'nanobot-telegram');
    expect(restarted?.restarts).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('answers the message whose turn was cut by kill -9 of the agent exactly once, after the agent restarts', async () => {
    keepLogsOnFailure('kill-agent');
    stack.llm.setLatency(1_500);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'kill-agent' });
    traffic.round();
    await stack.telegram.waitFor(() => stack.llm.inFlight() > 0, 20_000);
    const requestsBefore = stack.llm.requests().length;
    process.kill(await stack.cluster.pidOf('nanobot-agent'), 'SIGKILL');
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // The cut turn was run again after the restart: more model calls than messages answered before.
    expect(stack.llm.requests().length).toBeGreaterThan(requestsBefore);
  }, 120_000);
});
