import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type LlmRequest, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hasToolResult = (request: LlmRequest) => ((request.body as { messages?: Array<{ role: string }> } | null)?.messages ?? []).some((m) => m.role === 'tool');

describe('progress hints through the fake Telegram, under pm2', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    // nanobot's snake_case spelling, as a nanobot config has it.
    stack = await startTelegramStack({ configure: (config) => void ((config['channels'] as Record<string, unknown>)['send_tool_hints'] = true) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("sends the model's words and a tool hint during the turn, then the answer, each once", async () => {
    const chatId = 9501;
    stack.llm.setResponder((request) => {
      if (!JSON.stringify(request.body).includes('hint-me')) return { content: 'unrelated' };
      if (!hasToolResult(request)) return { content: 'Let me check.', toolCalls: [{ name: 'exec', arguments: { command: 'echo TOKEN=abcdef123 ok' } }] };
      return { content: 'It says ok.' };
    });
    stack.telegram.injectMessage({ chatId, text: 'hint-me please' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(chatId).length >= 3, 30_000);
    await sleep(1_500);
    expect(stack.telegram.sentTo(chatId).map((m) => m.visibleText)).toEqual(['Let me check.', 'running exec: echo TOKEN=*** ok', 'It says ok.']);
  }, 60_000);
});
