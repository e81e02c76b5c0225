import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTelegramStack, type LlmRequest, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls an asynchronous condition every 100 ms until it holds. */
async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() >= deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await sleep(100);
  }
}
const mentions = (request: LlmRequest, marker: string) => JSON.stringify(request.body).includes(marker);
const hasToolResult = (request: LlmRequest) => ((request.body as { messages?: Array<{ role: string }> } | null)?.messages ?? []).some((m) => m.role === 'tool');

/** The pid of the agent whose BullMQ worker holds the lock of the one active inbound job. */
async function holderOfActiveTurn(redis: Redis): Promise<{ pid: number; jobId: string }> {
  const [jobId] = await redis.lrange('nb:inbound:active', 0, -1);
  if (jobId === undefined) throw new Error('no active inbound job');
  const lock = await redis.get(`nb:inbound:${jobId}:lock`);
  if (lock === null) throw new Error(`job ${jobId} has no lock`);
  const workerId = lock.slice(0, lock.lastIndexOf(':'));
  const keys = await redis.keys('nb:status:nanobot-agent:*');
  for (const value of await redis.mget(keys)) {
    const record = JSON.parse(value ?? '{}') as { pid?: number; channels?: { agent?: { workerId?: string } } };
    if (record.channels?.agent?.workerId === workerId && record.pid !== undefined) return { pid: record.pid, jobId };
  }
  throw new Error(`no status record names worker ${workerId}`);
}

/**
 * Two agents under pm2. The turn's model request is held by the fake LLM, the agent that
 * runs it (found through the job's lock) is killed or frozen there, and the other agent
 * must take the turn back long before BullMQ's lock would expire (6 s).
 */
describe('fast failover of a killed agent, under pm2', () => {
  let stack: TelegramStack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startTelegramStack({
      agentInstances: 2,
      configure: (config) => {
        config['tools'] = { restrictToWorkspace: true, exec: { timeout: 30 } };
      },
    });
    redis = new Redis(stack.redis.url, { maxRetriesPerRequest: 1 });
    // Both agents have published their worker ids.
    await until(async () => (await redis.keys('nb:status:nanobot-agent:*')).length === 2, 30_000);
  }, 120_000);
  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });
  beforeEach(() => stack.llm.resetResponder());

  it('a kill -9 mid-turn: the other agent answers within a few seconds, every message once and in order', async () => {
    const chatId = 9401;
    let held = false;
    let release: (() => void) | undefined;
    const released = new Promise<void>((r) => (release = r));
    stack.llm.setResponder(async (request) => {
      const text = JSON.stringify(request.body);
      const which = /failover-(\d)/.exec(text.slice(text.lastIndexOf('"user"')))?.[1] ?? '?';
      if (which === '1' && !held) {
        held = true;
        await released;
      }
      return { content: `answer ${which}` };
    });
    stack.telegram.injectMessage({ chatId, text: 'failover-1' });
    await stack.telegram.waitFor(() => held, 30_000);
    // Two more messages of the chat wait behind the held turn, in its mailbox.
    stack.telegram.injectMessage({ chatId, text: 'failover-2' });
    stack.telegram.injectMessage({ chatId, text: 'failover-3' });
    await sleep(500);
    const { pid } = await holderOfActiveTurn(redis);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    release?.();
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length > 0, 30_000);
    const latencyMs = Date.now() - killedAt;
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length >= 3, 30_000);
    await sleep(3_000);
    console.log(`failover: reply ${latencyMs} ms after the kill`);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['answer 1', 'answer 2', 'answer 3']);
    // BullMQ alone would keep the dead worker's lock for 6 s.
    expect(latencyMs).toBeLessThan(6_000);
    expect(await stack.cluster.logs('nanobot-agent')).toContain('job of a dead worker moved back to wait');
  }, 120_000);

  it('a frozen agent whose job was taken runs nothing of the turn when it wakes', async () => {
    const chatId = 9402;
    const workspace = join(stack.cluster.home, 'workspace');
    const effect = join(workspace, 'frozen-effect.txt');
    let first = true;
    let secondSeen = false;
    let releaseFirst: (() => void) | undefined;
    const firstReleased = new Promise<void>((r) => (releaseFirst = r));
    stack.llm.setResponder(async (request) => {
      if (!mentions(request, 'frozen-turn')) return { content: 'unrelated' };
      if (first) {
        first = false;
        await firstReleased;
        // What the frozen agent gets when it wakes: a tool call with an effect.
        return { toolCalls: [{ name: 'exec', arguments: { command: 'echo frozen >> frozen-effect.txt; echo done' } }] };
      }
      if (hasToolResult(request)) return { content: 'tool ran' };
      secondSeen = true;
      return { content: 'answered by the other agent' };
    });
    stack.telegram.injectMessage({ chatId, text: 'frozen-turn please' });
    await stack.telegram.waitFor(() => !first, 30_000);
    const { pid } = await holderOfActiveTurn(redis);
    process.kill(pid, 'SIGSTOP');
    try {
      await stack.telegram.waitFor(() => secondSeen && stack.telegram.sentTo(chatId).length > 0, 30_000);
      // The answer to the frozen agent's request is waiting in its socket when it wakes.
      releaseFirst?.();
      await sleep(300);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await sleep(4_000);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['answered by the other agent']);
    // Stopped by whichever check it meets first on waking: the session lease's renewal, or the
    // job fence before the tool-call record (create-agent-worker.ts); never by luck of timing.
    expect(existsSync(effect)).toBe(false);
    expect(await stack.cluster.logs('nanobot-agent')).toMatch(/turn cancelled|was taken over by another agent/);
  }, 120_000);
});
