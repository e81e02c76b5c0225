import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTelegramStack, type LlmRequest, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hasToolResult = (request: LlmRequest) => ((request.body as { messages?: Array<{ role: string }> } | null)?.messages ?? []).some((m) => m.role === 'tool');
const lastUser = (request: LlmRequest) => JSON.stringify((request.body as { messages?: unknown[] } | null)?.messages?.at(-1) ?? '');

/**
 * The model asks for one tool call; the request that follows it (the tool's result) is held
 * until the test has killed the agent, then everything is answered with `answer`.
 */
function createHeldModel(stack: TelegramStack, options: { marker: string; toolCall: { name: string; arguments: unknown }; answer: string }) {
  let release: (() => void) | undefined;
  let held = false;
  const released = new Promise<void>((resolve) => (release = resolve));
  stack.llm.setResponder(async (request) => {
    if (!JSON.stringify(request.body).includes(options.marker)) return { content: 'unrelated' };
    if (!hasToolResult(request)) return { toolCalls: [options.toolCall] };
    if (!held) {
      held = true;
      await released;
    }
    return { content: options.answer };
  });
  return { isHeld: () => held, release: () => release?.() };
}

describe('tool calls across kill -9 of the agent, under pm2', () => {
  let stack: TelegramStack;
  let workspace: string;

  beforeAll(async () => {
    stack = await startTelegramStack({
      // A nanobot user's tools section, snake_case as nanobot writes it, works unchanged.
      configure: (config) => {
        config['tools'] = { restrict_to_workspace: true, exec: { timeout: 30, path_append: '/usr/sbin' } };
      },
    });
    workspace = join(stack.cluster.home, 'workspace');
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.llm.resetResponder());

  it('does not run an exec command again when the agent dies right after it, and answers once', async () => {
    const chatId = 9301;
    const counter = join(workspace, 'counter.txt');
    const model = createHeldModel(stack, { marker: 'count-exec', toolCall: { name: 'exec', arguments: { command: 'echo run >> counter.txt; echo counted' } }, answer: 'Counted once.' });
    stack.telegram.injectMessage({ chatId, text: 'count-exec please' });
    // The command ran and the agent is waiting for the model's next answer: kill it there.
    await stack.telegram.waitFor(() => model.isHeld(), 30_000);
    expect(await readFile(counter, 'utf8')).toBe('run\n');
    const before = await stack.cluster.pidOf('nanobot-agent');
    process.kill(before, 'SIGKILL');
    model.release();
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length > 0, 60_000);
    await sleep(2_000);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['Counted once.']);
    expect(await readFile(counter, 'utf8')).toBe('run\n');
    expect(await stack.cluster.pidOf('nanobot-agent')).not.toBe(before);
    // The turn was run again by the new agent: its first model request already held the recorded result.
    const rerun = stack.llm.requests().filter((r) => JSON.stringify(r.body).includes('count-exec') && hasToolResult(r));
    expect(rerun.length).toBeGreaterThanOrEqual(2);
    expect(lastUser(rerun.at(-1) as LlmRequest)).toContain('counted');
  }, 120_000);

  it('delivers a message tool send to a second chat once, across a kill -9 right after it', async () => {
    const [chatId, otherChat] = [9302, 9303];
    const model = createHeldModel(stack, {
      marker: 'tell-other',
      toolCall: { name: 'message', arguments: { content: 'Hello from the first chat', channel: 'telegram', chat_id: String(otherChat) } },
      answer: 'I told them.',
    });
    stack.telegram.injectMessage({ chatId, text: 'tell-other chat hello' });
    await stack.telegram.waitFor(() => model.isHeld(), 30_000);
    process.kill(await stack.cluster.pidOf('nanobot-agent'), 'SIGKILL');
    model.release();
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length > 0 && stack.telegram.sentTo(otherChat).length > 0, 60_000);
    await sleep(2_000);
    expect(stack.telegram.sentTo(otherChat).map((m) => m.visibleText)).toEqual(['Hello from the first chat']);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['I told them.']);
  }, 120_000);
});
