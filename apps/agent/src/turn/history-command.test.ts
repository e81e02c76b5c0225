import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { CommandMessage, InboundMessage, OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createAgent } from '../create-agent.js';

const log = createLogger({ name: 'test', level: 'silent' });
const base = { channel: 'telegram' as const, chatId: '42', senderId: '7', sessionKey: 'telegram:42', receivedAt: 0 };

describe('/history, against the fake LLM', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());

  it('shows the session\'s last messages as plain text, without asking the model', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'nb-history-'));
    const sent: OutboundMessage[] = [];
    const agent = createAgent({
      config: parseConfig(
        { agents: { defaults: { workspace, provider: 'custom', model: 'test-model' } }, providers: { custom: { apiBase: llm.baseUrl } } },
        { env: {}, homeDir: '/tmp', nanobotHome: '/tmp', source: 'test' },
      ).config,
      send: async (reply: OutboundMessage) => void sent.push(reply),
      log,
      env: {},
      runtime: 'test',
      timeZone: 'UTC',
      startedAt: Date.now(),
      modelOptions: { maxRetries: 0 },
      nanobotHome: workspace,
    });
    const signal = new AbortController().signal;
    llm.script({ content: 'Paris.' }, { content: 'About 2.1 million.' });
    const ask = (id: string, seq: number, text: string): InboundMessage => ({ ...base, kind: 'message', id, seq, text, media: [] });
    await agent.handleTurn(ask('m-1', 1, 'Capital of France?'), { signal });
    await agent.handleTurn(ask('m-2', 2, 'How many live there?'), { signal });
    const calls = llm.requests().length;
    const history = (id: string, args: string): CommandMessage => ({ ...base, kind: 'command', command: 'history', args, id, seq: 3 });

    await agent.commands.immediate(history('c-1', '3'), async () => 0);
    expect(sent.at(-1)).toMatchObject({ id: 'c-1-reply', format: 'plain' });
    expect(sent.at(-1)?.text).toBe('Last 3 message(s):\n🤖 Bot: Paris.\n👤 You: How many live there?\n🤖 Bot: About 2.1 million.');

    await agent.commands.immediate(history('c-2', 'lots'), async () => 0);
    expect(sent.at(-1)?.text).toMatch(/^Usage: \/history \[count\]/);
    expect(llm.requests().length).toBe(calls);
  });
});
