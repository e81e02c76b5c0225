import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createAnthropicModel } from './anthropic-model.js';
import { createOpenAiModel, type ModelOptions } from './openai-model.js';

describe('streamed model answers, through both SDKs against the fake LLM', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
    llm.setChunkDelay(5);
  });
  afterAll(async () => {
    await llm.close();
  });

  const options = (api: 'openai' | 'anthropic'): ModelOptions => ({
    target: {
      provider: api === 'openai' ? 'custom' : 'anthropic', api, apiKey: 'k', model: 'm', extraHeaders: {}, extraQuery: {},
      baseUrl: api === 'openai' ? llm.baseUrl : llm.baseUrl.replace(/\/v1$/, ''),
    },
    maxTokens: 100, temperature: 0.1, timeoutMs: 10_000, maxRetries: 0, vision: false,
  });

  for (const api of ['openai', 'anthropic'] as const) {
    it(`${api}: calls onText with a growing text and returns the same answer and tool calls as a plain request`, async () => {
      const model = api === 'openai' ? createOpenAiModel(options(api)) : createAnthropicModel(options(api));
      const snapshots: string[] = [];
      llm.script({ content: 'one two three four', toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }] });
      const streamed = await model.complete(
        { messages: [{ role: 'user', content: 'go' }], tools: [{ name: 'read_file', description: 'd', parameters: { type: 'object' } }] },
        { signal: new AbortController().signal, onText: (text) => snapshots.push(text) },
      );
      expect(snapshots.length).toBeGreaterThanOrEqual(4);
      for (const [i, text] of snapshots.entries()) if (i > 0) expect(text.startsWith(snapshots[i - 1]!)).toBe(true);
      expect(snapshots.at(-1)).toBe('one two three four');
      expect(streamed.text).toBe('one two three four');
      expect(streamed.toolCalls.map((c) => [c.name, JSON.parse(c.argumentsJson)])).toEqual([['read_file', { path: 'a.txt' }]]);
      expect(streamed.usage.completionTokens).toBeGreaterThan(0);
      expect((llm.requests().at(-1)!.body as { stream?: unknown }).stream).toBe(true);
    });
  }
});
