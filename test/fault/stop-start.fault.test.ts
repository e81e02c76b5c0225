import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createTraffic,
  startTelegramStack,
  type TelegramStack,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9301, 9302, 9303, 9304];

describe('stopping the cluster during a turn', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('`nanobot stop` mid-turn, messages while stopped, `nanobot start`: all answered once, in order', async () => {
    stack.llm.setLatency(2_000);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'stop-start' });
    traffic.round();
    traffic.round();
    await stack.telegram.waitFor(() => stack.llm.inFlight() > 0, 20_000);
    const stopped = await stack.cluster.nanobot('stop');
    expect(stopped.code, stopped.stderr).toBe(0);
    traffic.round();
    await sleep(1_000);
    const started = await stack.cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // The agent finished the turn in hand before it exited: the drain log says so.
    expect(await stack.cluster.logs('nanobot-agent')).toContain('stopping: finishing the turns in hand');
  }, 150_000);

  it('SIGINT to the agent mid-turn: pm2 restarts it and nothing is lost or doubled', async () => {
    stack.llm.setLatency(1_500);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'sigint' });
    traffic.round();
    await stack.telegram.waitFor(() => stack.llm.inFlight() > 0, 20_000);
    process.kill(await stack.cluster.pidOf('nanobot-agent'), 'SIGINT');
    traffic.round();
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const agent = (await stack.cluster.processes()).find((p) => p.name === 'nanobot-agent');
    expect(agent?.status).toBe('online');
  }, 150_000);
});
