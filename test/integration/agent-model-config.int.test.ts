import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, createRedis, createStatusReporter, queueNames, readStatuses, type Queues } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import { toAgentStatusRow } from '../../apps/agent/src/agent-status-row.js';
import { createAgentWorker, type AgentWorker } from '../../apps/agent/src/create-agent-worker.js';
import { toBreakerLines } from '../../apps/cli/src/show-status.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The model settings of a running agent (real Redis, two fake LLM servers, a real config
 * file): a file edit applies to the next turn, a broken edit is refused naming the field,
 * `/model` switches one session, and a failing model is skipped and shown in `/status`.
 */
describe('model selection of a running agent', () => {
  let redis: RedisServer;
  let llmA: FakeLlm;
  let llmB: FakeLlm;
  let dir: string;
  let connection: Redis;
  let queues: Queues;
  let outbound: Queue;
  let worker: AgentWorker | undefined;
  let logLines: Array<Record<string, unknown>> = [];
  let seq = 0;
  const log = createLogger({ name: 'model-config-int', level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } });

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    [llmA, llmB] = await Promise.all([startFakeLlm(), startFakeLlm()]);
    connection = createRedis({ url: redis.url, role: 'producer', log, name: 'test' });
    queues = createQueues(connection, log);
    outbound = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nb-model-config-'));
    logLines = [];
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    llmA.clearFaults();
    llmB.clearFaults();
    await outbound.obliterate({ force: true });
    await rm(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await outbound?.close();
    await queues?.close();
    await connection?.quit();
    await Promise.all([llmA?.close(), llmB?.close()]);
    await redis?.close();
  });

  const configFile = () => join(dir, 'config.json');
  /** Written as an editor does: a temporary file renamed over the old one. */
  async function writeConfig(raw: unknown): Promise<void> {
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw, null, 2);
    await writeFile(`${configFile()}.tmp`, text);
    await rename(`${configFile()}.tmp`, configFile());
  }
  const load = async () => (await loadConfig({ env: {}, homeDir: dir, path: configFile() })).config;

  async function startAgent(raw: unknown): Promise<AgentWorker> {
    await writeConfig(raw);
    const started = createAgentWorker({
      config: await load(),
      nanobotHome: dir,
      configPath: configFile(),
      reloadConfig: load,
      redisUrl: redis.url,
      log,
      env: {},
      runtime: 'test',
      timeZone: 'UTC',
      startedAt: Date.now(),
      leaseMs: 2_000,
      modelOptions: { maxRetries: 0 },
    });
    worker = started;
    await started.start();
    return started;
  }

  const base = (chatId: string) => {
    seq += 1;
    return { id: `tg-${chatId}-${seq}`, channel: 'telegram' as const, chatId, senderId: chatId, sessionKey: `telegram:${chatId}`, seq, receivedAt: Date.now() };
  };
  const text = (chatId: string, body: string): InboundMessage => ({ ...base(chatId), kind: 'message', text: body, media: [] });
  const command = (chatId: string, name: 'model' | 'status', args = ''): InboundMessage => ({ ...base(chatId), kind: 'command', command: name, args });

  /** Sends one message and waits for its reply. */
  async function ask(message: InboundMessage): Promise<string> {
    await queues.addInbound(message);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const jobs = await outbound.getJobs(['wait', 'active', 'completed', 'delayed']);
      const reply = jobs.map((j) => j.data as OutboundMessage).find((r) => r.inReplyTo === message.id);
      if (reply !== undefined) return reply.text;
      if (Date.now() > deadline) throw new Error(`no reply to ${message.id}`);
      await sleep(50);
    }
  }
  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not reached: ${what}`);
      await sleep(50);
    }
  }
  const lastRequest = (llm: FakeLlm) => llm.requests().at(-1);

  const workspace = () => join(dir, 'workspace');

  it('takes a changed model, key and provider from an edited file for the next turn, without a restart', async () => {
    const agent = await startAgent({ agents: { defaults: { workspace: workspace(), model: 'model-a', provider: 'custom' } }, providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl } } });
    expect(await ask(text('1', 'before'))).toBe('echo: before');
    expect(lastRequest(llmA)).toMatchObject({ model: 'model-a', headers: { authorization: 'Bearer key-1' } });

    await writeConfig({ agents: { defaults: { workspace: workspace(), model: 'model-b', provider: 'vllm' } }, providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl }, vllm: { apiKey: 'key-2', apiBase: llmB.baseUrl } } });
    await until(() => agent.agent.model.model === 'model-b', 'the new model in force');
    const asked = llmA.requests().length;
    expect(await ask(text('1', 'after'))).toBe('echo: after');
    expect(lastRequest(llmB)).toMatchObject({ model: 'model-b', headers: { authorization: 'Bearer key-2' } });
    expect(llmA.requests().length).toBe(asked);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'config reloaded: the next turn uses the new model settings', fields: ['agents.defaults.model', 'agents.defaults.provider', 'providers'] }));
    expect(JSON.stringify(logLines)).not.toContain('key-2');
  });

  it('refuses a broken edit with an error naming the field, and keeps answering with the old config', async () => {
    const agent = await startAgent({ agents: { defaults: { workspace: workspace(), model: 'model-a', provider: 'custom' } }, providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl } } });
    await writeConfig({ agents: { defaults: { workspace: workspace(), model: 'model-b', provider: 'custom', maxTokens: 'lots' } }, providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl } } });
    await until(() => logLines.some((l) => l.msg === 'config change refused, the previous config stays in use'), 'the refusal logged');
    const refusal = logLines.find((l) => l.msg === 'config change refused, the previous config stays in use');
    expect(refusal).toMatchObject({ level: 'error', code: 'CONFIG_INVALID', field: 'agents.defaults.maxTokens', file: configFile() });
    expect(String(refusal?.reason)).toContain('agents.defaults.maxTokens: expected number, received string');

    // A provider named nowhere is refused too: the chain cannot be built.
    await writeConfig({ agents: { defaults: { workspace: workspace(), model: 'model-c', provider: 'nowhere' } }, providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl } } });
    await until(() => logLines.filter((l) => l.msg === 'config change refused, the previous config stays in use').length === 2, 'the second refusal');
    expect(agent.agent.model.model).toBe('model-a');
    expect(await ask(text('2', 'still here'))).toBe('echo: still here');
    expect(lastRequest(llmA)?.model).toBe('model-a');
  });

  it('/model lists the presets, switches one session only, refuses unknown names, and follows a preset edit', async () => {
    const raw = (deepModel: string) => ({
      agents: { defaults: { workspace: workspace(), model: 'model-a', provider: 'custom' } },
      modelPresets: { deep: { model: deepModel, provider: 'vllm', maxTokens: 1234 } },
      providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl }, vllm: { apiKey: null, apiBase: llmB.baseUrl } },
    });
    const agent = await startAgent(raw('deep-1'));
    expect(await ask(command('3', 'model'))).toBe(['## Model', '- Current model: `model-a`', '- Current preset: `default`', '- Available presets: `default`, `deep`', '- Switch with `/model <preset>`.'].join('\n'));
    expect(await ask(command('3', 'model', 'Deep'))).toBe(['Switched model preset to `deep`.', '- Scope: current session', '- Model: `deep-1`', '- Max output tokens: 1234'].join('\n'));
    expect(await connection.get('nb:model-preset:telegram:3')).toBe('deep');
    expect(await ask(text('3', 'deep question'))).toBe('echo: deep question');
    expect(lastRequest(llmB)).toMatchObject({ model: 'deep-1', body: { max_tokens: 1234 } });
    expect(await ask(text('4', 'other session'))).toBe('echo: other session');
    expect(lastRequest(llmA)?.model).toBe('model-a');
    expect(await ask(command('3', 'model', 'shallow'))).toBe('Could not switch model preset: there is no preset called "shallow".\n\nAvailable presets: `default`, `deep`');
    expect(await ask(command('3', 'status'))).toContain('Model: deep-1 (preset deep)');

    await writeConfig(raw('deep-2'));
    await until(() => logLines.some((l) => l.msg === 'config reloaded: the next turn uses the new model settings'), 'the reload');
    expect(await ask(text('3', 'edited preset'))).toBe('echo: edited preset');
    expect(lastRequest(llmB)?.model).toBe('deep-2');
    expect(await ask(command('3', 'model', 'default'))).toContain('- Model: `model-a`');
    expect(agent.agent.model.model).toBe('model-a');
  });

  it('skips a primary that failed 3 times in a row for the inline fallback; /status and the status record in Redis say so', async () => {
    const agent = await startAgent({
      agents: { defaults: { workspace: workspace(), model: 'primary-m', provider: 'custom', fallbackModels: [{ model: 'backup-m', provider: 'vllm' }] } },
      providers: { custom: { apiKey: 'key-1', apiBase: llmA.baseUrl }, vllm: { apiKey: null, apiBase: llmB.baseUrl } },
    });
    llmA.setFault({ kind: 'status', status: 500 });
    for (let i = 0; i < 3; i++) expect(await ask(text('5', `q${i}`))).toBe(`echo: q${i}`);
    const asked = llmA.requests().length;
    expect(await ask(text('5', 'q3'))).toBe('echo: q3');
    expect(llmA.requests().length).toBe(asked); // skipped while cooling
    expect(lastRequest(llmB)?.model).toBe('backup-m');
    expect(agent.agent.models.breakers()).toContainEqual(expect.objectContaining({ id: 'custom/primary-m', state: 'open', failures: 3 }));
    expect(await ask(command('5', 'status'))).toMatch(/Circuit: custom\/primary-m: skipped after 3 failures, probed again in (59|60) s/);

    // The agent's status record, as main.ts publishes it and `nanobot status` reads it.
    const reporter = createStatusReporter({ redis: connection, app: 'nanobot-agent', instance: '0', pid: process.pid, host: 'test', channels: () => ({ agent: toAgentStatusRow(agent) }), onError: () => undefined });
    await reporter.publish();
    const [record] = (await readStatuses(connection)).filter((s) => s.app === 'nanobot-agent');
    expect(record?.channels['agent']).toMatchObject({ state: 'running', model: 'primary-m', breakers: expect.arrayContaining([expect.objectContaining({ id: 'custom/primary-m', state: 'open', failures: 3 })]) });
    expect(toBreakerLines(record?.channels['agent'] ?? {})).toEqual([expect.stringMatching(/^ {4}model custom\/primary-m: skipped \(circuit open\), 3 failure\(s\) in a row, probe in (59|60)s$/)]);
    await reporter.stop();
  });
});
