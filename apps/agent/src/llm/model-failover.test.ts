import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import { isAppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createModelRouter } from './create-model-router.js';

const log = createLogger({ name: 'test', level: 'silent' });
const ask = { messages: [{ role: 'user' as const, content: 'hello' }] };
const signal = () => new AbortController().signal;

/** nanobot v0.3's shape: the active preset, and an inline fallback object on another provider. */
function v03Config(primary: FakeLlm, backup: FakeLlm) {
  const raw = {
    modelPresets: { fast: { provider: 'openrouter', model: 'anthropic/claude-sonnet-4.5', maxTokens: 4096, contextWindowTokens: 65536 } },
    agents: { defaults: { modelPreset: 'fast', fallbackModels: [{ provider: 'deepseek', model: 'deepseek-v4-pro', contextWindowTokens: 262144 }] } },
    providers: { openrouter: { apiKey: 'sk-or', apiBase: primary.baseUrl }, deepseek: { apiKey: 'sk-ds', apiBase: backup.baseUrl } },
  };
  return parseConfig(raw, { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot' }).config;
}

describe('failover to an inline fallback, with a circuit breaker (two fake LLM servers)', () => {
  let primary: FakeLlm;
  let backup: FakeLlm;
  let clock = 1_000_000;
  const now = () => clock;
  beforeAll(async () => {
    [primary, backup] = await Promise.all([startFakeLlm(), startFakeLlm()]);
  });
  afterAll(async () => Promise.all([primary.close(), backup.close()]));
  beforeEach(() => {
    primary.clearFaults();
    backup.clearFaults();
  });
  const router = () => createModelRouter({ config: v03Config(primary, backup), log, now, modelOptions: { maxRetries: 0 } });

  it('answers from the inline model when the primary answers 500, with the primary maxTokens', async () => {
    primary.setFault({ kind: 'status', status: 500 });
    const before = { primary: primary.requests().length, backup: backup.requests().length };
    const result = await router().current().complete(ask, { signal: signal() });
    expect(result).toMatchObject({ text: 'echo: hello', model: 'deepseek-v4-pro' });
    expect(primary.requests().slice(before.primary).map((r) => [r.model, r.headers.authorization])).toEqual([['anthropic/claude-sonnet-4.5', 'Bearer sk-or']]);
    const [sent] = backup.requests().slice(before.backup);
    expect(sent).toMatchObject({ model: 'deepseek-v4-pro', body: { max_tokens: 4096 } });
    expect(sent?.headers.authorization).toBe('Bearer sk-ds');
  });

  it('skips the primary for 60 s after 3 failures in a row, then probes it once and closes again', async () => {
    const models = router();
    primary.setFault({ kind: 'status', status: 500 });
    for (let i = 0; i < 3; i++) await models.current().complete(ask, { signal: signal() });
    expect(models.breakers()).toContainEqual(expect.objectContaining({ id: 'openrouter/anthropic/claude-sonnet-4.5', state: 'open', failures: 3, probeAt: clock + 60_000 }));
    const asked = primary.requests().length;
    clock += 59_000;
    for (let i = 0; i < 5; i++) expect((await models.current().complete(ask, { signal: signal() })).model).toBe('deepseek-v4-pro');
    expect(primary.requests().length).toBe(asked); // not asked while cooling
    primary.clearFaults();
    clock += 1_000;
    expect((await models.current().complete(ask, { signal: signal() })).model).toBe('anthropic/claude-sonnet-4.5');
    expect(primary.requests().length).toBe(asked + 1);
    expect(models.breakers()).toContainEqual({ id: 'openrouter/anthropic/claude-sonnet-4.5', state: 'closed', failures: 0 });
  });

  it('when every model is cooling, asks none and says when to come back', async () => {
    const models = router();
    primary.setFault({ kind: 'status', status: 503 });
    backup.setFault({ kind: 'status', status: 502 });
    for (let i = 0; i < 3; i++) await expect(models.current().complete(ask, { signal: signal() })).rejects.toThrow();
    const asked = primary.requests().length + backup.requests().length;
    clock += 10_000;
    const error = await models.current().complete(ask, { signal: signal() }).catch((e: unknown) => e);
    expect(isAppError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(50_000);
    expect(primary.requests().length + backup.requests().length).toBe(asked);
  });

  it('a 400 for the request itself does not count against the model', async () => {
    const models = router();
    primary.setFault({ kind: 'status', status: 400 });
    for (let i = 0; i < 4; i++) await models.current().complete(ask, { signal: signal() });
    expect(models.breakers()).toContainEqual({ id: 'openrouter/anthropic/claude-sonnet-4.5', state: 'closed', failures: 0 });
  });
});

describe('fallbacks that cannot be used', () => {
  it('are left out with a warning naming model and provider, and the chain still runs', () => {
    const lines: Array<Record<string, unknown>> = [];
    const warnLog = createLogger({ name: 'test', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const config = parseConfig(
      {
        agents: { defaults: { model: 'm', provider: 'custom', fallbackModels: [{ model: 'llama3.2', provider: 'ollama' }, 'm2'] } },
        providers: { custom: { apiKey: 'k', apiBase: 'http://127.0.0.1:9/v1' } },
      },
      { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot' },
    ).config;
    const chain = createModelRouter({ config, log: warnLog }).current();
    expect(chain.targets.map((t) => `${t.provider}/${t.model}`)).toEqual(['custom/m', 'custom/m2']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'fallback model left out: no usable provider for it', model: 'llama3.2', provider: 'ollama' }));
  });
});
