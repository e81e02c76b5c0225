import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import { createModelChain } from '../llm/create-model-chain.js';
import type { HistoryEntry } from '../session-store.js';
import { createMemoryConsolidator } from './consolidate-memory.js';
import { createRedisLock } from './memory-lock.js';

const log = createLogger({ name: 'test', level: 'silent' });
const entry = (content: string): HistoryEntry => ({ role: 'user', content, timestamp: '2026-03-01T10:00:00.000Z', inboundId: content });

/** The memory the prompt shows and the one fact its conversation adds (`I like <x>` → `- likes <x>`). */
function readPrompt(prompt: string): { memory: string; fact: string } {
  const memory = /## Current Long-term Memory\n([\s\S]*?)\n\n## Conversation to Process/.exec(prompt)?.[1] ?? '';
  const fact = /USER: I like (\w+)/.exec(prompt)?.[1] ?? '?';
  return { memory: memory === '(empty)' ? '' : memory, fact: `- likes ${fact}` };
}

describe('memory consolidation of two sessions at once', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let workspace: string;
  const connections: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    llm = await startFakeLlm();
    workspace = await mkdtemp(join(tmpdir(), 'nb-memory-'));
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    await llm?.close();
    await redis?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  /** One agent process's consolidator: its own model chain and its own Redis connection for the lock. */
  function consolidatorOfAProcess() {
    const config = parseConfig(
      { agents: { defaults: { workspace, provider: 'custom', model: 'memory-model' } }, providers: { custom: { apiBase: llm.baseUrl } } },
      { env: {}, homeDir: tmpdir(), nanobotHome: tmpdir(), source: 'test' },
    ).config;
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connections.push(connection);
    return createMemoryConsolidator({ workspace, model: createModelChain({ config, log, maxRetries: 0 }), lock: createRedisLock({ redis: connection, name: workspace }) });
  }

  it('keeps what both sessions added to MEMORY.md when their model calls overlap', async () => {
    // Each answer waits until both consolidations have asked the model, so both read
    // MEMORY.md before either writes it: the overlap is certain, not a matter of timing.
    let asked = 0;
    let bothAsked: () => void = () => undefined;
    const overlap = new Promise<void>((resolve) => (bothAsked = resolve));
    llm.setResponder(async (request) => {
      asked += 1;
      if (asked >= 2) bothAsked();
      await overlap;
      const { memory, fact } = readPrompt((request.body as { messages: Array<{ content: string }> }).messages[0]?.content ?? '');
      return { content: JSON.stringify({ history_entry: `[2026-03-01 10:00] ${fact}`, memory_update: [memory, fact].filter(Boolean).join('\n') }) };
    });
    const signal = new AbortController().signal;
    const [a, b] = [consolidatorOfAProcess(), consolidatorOfAProcess()];
    await Promise.all([a.consolidate([entry('I like tea')], signal), b.consolidate([entry('I like chess')], signal)]);

    const memory = await readFile(join(workspace, 'memory/MEMORY.md'), 'utf8');
    expect(memory.split('\n').filter(Boolean).sort()).toEqual(['- likes chess', '- likes tea']);
    const history = await readFile(join(workspace, 'memory/HISTORY.md'), 'utf8');
    expect(history.match(/- likes \w+/g)?.sort()).toEqual(['- likes chess', '- likes tea']);
    // The one that found MEMORY.md changed asked the model again, with the other's fact in it.
    expect(asked).toBe(3);
  });
});
