import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type LlmRequest, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bodyOf = (request: LlmRequest) => JSON.stringify(request.body);
const hasToolResult = (request: LlmRequest) => ((request.body as { messages?: Array<{ role: string }> } | null)?.messages ?? []).some((m) => m.role === 'tool');

/**
 * The main agent spawns a subagent; the subagent runs one command, and its next model request
 * is held until the test has killed the agent; then the main agent sums up the announced result.
 */
function scriptModel(stack: TelegramStack) {
  let release: (() => void) | undefined;
  let held = false;
  const released = new Promise<void>((resolve) => (release = resolve));
  stack.llm.setResponder(async (request) => {
    const body = bodyOf(request);
    if (body.includes('# Subagent')) {
      if (!hasToolResult(request)) return { toolCalls: [{ name: 'exec', arguments: { command: 'echo run >> sub-counter.txt; echo 7 items' } }] };
      if (!held) {
        held = true;
        await released;
      }
      return { content: 'The count is 7 items.' };
    }
    if (body.includes("[Subagent 'fault-counter' completed successfully]")) return { content: 'Your background count found 7 items.' };
    if (!body.includes('spawn-fault')) return { content: 'unrelated' };
    if (!hasToolResult(request)) return { toolCalls: [{ name: 'spawn', arguments: { task: 'Count the items in the workspace', label: 'fault-counter' } }] };
    return { content: 'I started the count in the background.' };
  });
  return { isHeld: () => held, release: () => release?.() };
}

describe('a spawned subagent across kill -9 of the agent, under pm2', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('survives the kill, does not run its command again, and its result reaches the origin chat once', async () => {
    const chatId = 9401;
    const workspace = join(stack.cluster.home, 'workspace');
    const model = scriptModel(stack);
    stack.telegram.injectMessage({ chatId, text: 'spawn-fault please' });
    // The spawn answered at once; the subagent ran its command and waits for the model: kill the agent there.
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length === 1 && model.isHeld(), 30_000);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['I started the count in the background.']);
    expect(await readFile(join(workspace, 'sub-counter.txt'), 'utf8')).toBe('run\n');
    const before = await stack.cluster.pidOf('nanobot-agent');
    process.kill(before, 'SIGKILL');
    model.release();
    // pm2 restarts the agent; BullMQ's stalled check hands the subagent's job to it.
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length >= 2, 90_000);
    await sleep(3_000);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['I started the count in the background.', 'Your background count found 7 items.']);
    expect(await readFile(join(workspace, 'sub-counter.txt'), 'utf8')).toBe('run\n');
    expect(await stack.cluster.pidOf('nanobot-agent')).not.toBe(before);
    // The re-run job replayed the recorded command: its first model request already held the result.
    const resumed = stack.llm.requests().filter((r) => bodyOf(r).includes('# Subagent') && hasToolResult(r));
    expect(resumed.length).toBeGreaterThanOrEqual(2);
    expect(bodyOf(resumed.at(-1) as LlmRequest)).toContain('7 items');
  }, 150_000);
});
