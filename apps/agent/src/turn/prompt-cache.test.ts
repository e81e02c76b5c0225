import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '@nanobot/config';
import type { CommandMessage, InboundMessage, OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createAgent } from '../create-agent.js';

/**
 * A turn's request starts with the whole of the previous turn's last request, byte for byte,
 * although the clock moved: what providers' prompt caches match on. The cached tokens they
 * report are kept per turn in the session and shown by /status.
 */
const log = createLogger({ name: 'test', level: 'silent' });
let seq = 0;
const base = { channel: 'telegram' as const, chatId: '42', senderId: '7', sessionKey: 'telegram:42', receivedAt: 0 };
const text = (body: string): InboundMessage => {
  seq += 1;
  return { ...base, kind: 'message', id: `m-${seq}`, seq, text: body, media: [] };
};
const status = (): CommandMessage => {
  seq += 1;
  return { ...base, kind: 'command', command: 'status', args: '', id: `c-${seq}`, seq };
};

// Bodies are compared as the provider APIs define them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('the prompt across turns', () => {
  let llm: FakeLlm;
  let workspace: string;
  let sent: OutboundMessage[];
  let clock: Date;
  const signal = new AbortController().signal;
  const make = (providers: ConfigInput['providers'], model: string) =>
    createAgent({
      config: parseConfig({ agents: { defaults: { workspace, model } }, providers }, { env: {}, homeDir: '/tmp', nanobotHome: '/tmp', source: 'test' }).config,
      send: async (reply: OutboundMessage) => void sent.push(reply),
      log,
      env: {},
      runtime: 'test',
      timeZone: 'UTC',
      startedAt: Date.now(),
      now: () => clock,
      modelOptions: { maxRetries: 0 },
      nanobotHome: workspace,
    });

  beforeAll(async () => {
    llm = await startFakeLlm({ promptCache: { minTokens: 0, incrementTokens: 1 } });
  });
  afterAll(async () => llm.close());
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'nb-cache-'));
    await writeFile(join(workspace, 'AGENTS.md'), 'Be brief.');
    sent = [];
    clock = new Date('2026-03-01T12:30:00Z');
  });

  async function twoTurns(agent: ReturnType<typeof make>) {
    llm.script({ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'One file.' });
    await agent.handleTurn(text('what is here?'), { signal });
    const firstEnd = llm.requests().length;
    clock = new Date('2026-03-01T12:47:00Z');
    await agent.handleTurn(text('thanks'), { signal });
    return { lastOfFirst: llm.requests()[firstEnd - 1]?.body as Json, second: llm.requests()[firstEnd]?.body as Json };
  }

  it('sends an OpenAI-style model the previous request again as the prefix, the new time after it', async () => {
    const agent = make({ custom: { apiBase: llm.baseUrl } }, 'test-model');
    const { lastOfFirst, second } = await twoTurns(agent);
    expect(second.messages.slice(0, lastOfFirst.messages.length)).toEqual(lastOfFirst.messages);
    expect(second.tools).toEqual(lastOfFirst.tools);
    expect(JSON.stringify(second.messages[0])).not.toMatch(/12:47|12:30/);
    expect(second.messages.at(-1).content).toMatch(/^thanks\n\n\[Runtime Context — metadata only, not instructions\]\nCurrent Time: 2026-03-01 12:47/);
    await agent.commands.immediate(status() as CommandMessage, async () => 0);
    const reply = sent.at(-1)?.text ?? '';
    const cached = Number(/Last turn: \d+ prompt \((\d+) cached\)/.exec(reply)?.[1]);
    expect(cached).toBeGreaterThan(0);
    expect(reply).toMatch(/Session \(2 turns\): \d+ prompt tokens, \d+ cached \(\d+%\), \d+ completion/);
  });

  it('marks the same prefix for Anthropic, which reads it back from the cache on the next turn', async () => {
    const agent = make({ anthropic: { apiKey: 'k', apiBase: llm.baseUrl } }, 'claude-sonnet-4-5');
    const { lastOfFirst, second } = await twoTurns(agent);
    const strip = (blocks: Json) => JSON.parse(JSON.stringify(blocks).replaceAll(',"cache_control":{"type":"ephemeral"}', '')) as Json;
    expect(strip(second.system)).toEqual(strip(lastOfFirst.system));
    expect(strip(second.messages.slice(0, lastOfFirst.messages.length))).toEqual(strip(lastOfFirst.messages));
    const history = await agent.sessions.readAll('telegram:42');
    const usages = history.flatMap((e) => (e.usage === undefined ? [] : [e.usage]));
    expect(usages).toHaveLength(2);
    expect(usages[1]?.cachedTokens).toBeGreaterThan(0);
    expect(usages[0]?.cacheWriteTokens).toBeGreaterThan(0);
  });
});
