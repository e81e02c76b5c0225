import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, createRedis, queueNames, type Queues } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type LlmRequest, type RedisServer } from '@nanobot/testkit';
import type { Redis } from 'ioredis';
import { createAgentWorker, type AgentWorker } from '../../apps/agent/src/create-agent-worker.js';

const log = createLogger({ name: 'subagent-int', level: 'silent' });
const bodyOf = (r: LlmRequest) => JSON.stringify(r.body);
const isSubagent = (r: LlmRequest) => bodyOf(r).includes('# Subagent');
const hasToolResult = (r: LlmRequest) => ((r.body as { messages?: Array<{ role: string }> } | null)?.messages ?? []).some((m) => m.role === 'tool');
const toolResults = (r: LlmRequest) =>
  ((r.body as { messages?: Array<{ role: string; content: unknown }> } | null)?.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content));

let seq = 0;
const message = (chatId: string, text: string): InboundMessage => {
  seq += 1;
  return { kind: 'message', id: `tg-sub-${chatId}-${seq}`, channel: 'telegram', chatId, senderId: chatId, sessionKey: `telegram:${chatId}`, seq, receivedAt: Date.now(), text, media: [], sourceMessageId: String(seq) };
};
const stopCommand = (chatId: string): InboundMessage => {
  seq += 1;
  return { kind: 'command', id: `tg-sub-${chatId}-${seq}`, command: 'stop', args: '', channel: 'telegram', chatId, senderId: chatId, sessionKey: `telegram:${chatId}`, seq, receivedAt: Date.now() };
};

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The main agent spawns on `trigger`; the subagent runs `command`, then answers (held until released); the main agent sums up. */
function scriptModel(llm: FakeLlm, options: { trigger: string; command: string; hold?: boolean }) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  let subagentAnswers = 0;
  let held = false;
  llm.setResponder(async (request) => {
    const body = bodyOf(request);
    if (isSubagent(request)) {
      if (!hasToolResult(request)) return { toolCalls: [{ name: 'exec', arguments: { command: options.command } }] };
      if (options.hold === true) {
        held = true;
        await released;
      }
      subagentAnswers += 1;
      return { content: `sub finished: ${toolResults(request).at(-1)?.trim() ?? ''}` };
    }
    if (body.includes("[Subagent 'counter'")) return { content: 'Your count is ready.' };
    if (!body.includes(options.trigger)) return { content: 'unrelated' };
    if (!hasToolResult(request)) return { toolCalls: [{ name: 'spawn', arguments: { task: `count things (${options.trigger})`, label: 'counter' } }] };
    return { content: 'I started a background task.' };
  });
  return { release, isHeld: () => held, subagentAnswers: () => subagentAnswers };
}

describe('spawn: a background subagent on its own queue', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let home: string;
  let workspace: string;
  let connection: Redis;
  let queues: Queues;
  let config: ReturnType<typeof parseConfig>['config'];
  const workers: AgentWorker[] = [];

  const startWorker = async (): Promise<AgentWorker> => {
    const worker = createAgentWorker({ config, nanobotHome: home, redisUrl: redis.url, log, env: { PATH: process.env['PATH'] }, runtime: 'test', timeZone: 'UTC', startedAt: Date.now(), modelOptions: { maxRetries: 0 } });
    await worker.start();
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    redis = await startRedis();
    llm = await startFakeLlm();
    home = await mkdtemp(join(tmpdir(), 'nb-subagent-'));
    workspace = join(home, 'workspace');
    await mkdir(workspace, { recursive: true });
    const raw = { agents: { defaults: { provider: 'custom', model: 'test-model', workspace } }, providers: { custom: { apiBase: llm.baseUrl } } };
    config = parseConfig(raw, { env: {}, homeDir: home, nanobotHome: home, source: 'test' }).config;
    connection = createRedis({ url: redis.url, role: 'producer', log, name: 'test' });
    queues = createQueues(connection, log);
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    llm.resetResponder();
  });
  afterAll(async () => {
    await queues?.close();
    await connection?.quit();
    await llm?.close();
    await redis?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function repliesTo(chatId: string): Promise<OutboundMessage[]> {
    const queue = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'delayed']);
    await queue.close();
    return jobs.map((j) => j.data as OutboundMessage).filter((m) => m.chatId === chatId).sort((a, b) => a.id.localeCompare(b.id));
  }
  async function subagentJobs(): Promise<Job[]> {
    const queue = new Queue(queueNames.subagent, { connection, prefix: bullPrefix });
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed']);
    await queue.close();
    return jobs;
  }

  it('answers at once, runs the task in the background and announces its result in the origin chat once', async () => {
    await startWorker();
    const model = scriptModel(llm, { trigger: 'count-now', command: 'echo run >> sub-counter.txt; echo 3 things' });
    await queues.addInbound(message('501', 'count-now please'));
    await until(async () => (await repliesTo('501')).length >= 2);
    const spawnResult = llm.requests().filter((r) => !isSubagent(r) && hasToolResult(r)).flatMap(toolResults).find((t) => t.startsWith('Subagent'));
    expect(spawnResult).toMatch(/^Subagent \[counter\] started \(id: [0-9a-f]{8}\)\. I'll notify you when it completes\.$/);
    // The main agent got the result as a message of the origin session and summed it up.
    const announce = llm.requests().find((r) => !isSubagent(r) && bodyOf(r).includes("[Subagent 'counter' completed successfully]"));
    expect(bodyOf(announce as LlmRequest)).toContain('sub finished: 3 things');
    await new Promise((r) => setTimeout(r, 1_000));
    const replies = await repliesTo('501');
    expect(replies.map((r) => r.text).sort()).toEqual(['I started a background task.', 'Your count is ready.']);
    expect(model.subagentAnswers()).toBe(1);
    expect(await readFile(join(workspace, 'sub-counter.txt'), 'utf8')).toBe('run\n');
    // The subagent had no message, spawn or cron tool.
    const tools = ((llm.requests().find(isSubagent)?.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((t) => t.function.name);
    expect(tools).toContain('exec');
    expect(tools).not.toContain('spawn');
    expect(tools).not.toContain('message');
  });

  it('/stop cancels a running subagent and counts it; nothing is announced', async () => {
    const worker = await startWorker();
    const model = scriptModel(llm, { trigger: 'count-stop', command: 'echo stopped-one', hold: true });
    await queues.addInbound(message('502', 'count-stop please'));
    await until(() => model.isHeld());
    await (worker.processor as (job: Job) => Promise<string>)({ id: 'stop-502', data: stopCommand('502') } as unknown as Job);
    await until(async () => (await subagentJobs()).some((j) => bodyOf({ body: j.data } as LlmRequest).includes('count-stop') && j.returnvalue === 'cancelled'));
    model.release();
    await new Promise((r) => setTimeout(r, 1_000));
    const texts = (await repliesTo('502')).map((r) => r.text);
    expect(texts).toContain('Stopped 1 task(s).');
    expect(texts).toContain('I started a background task.');
    expect(texts).not.toContain('Your count is ready.');
    expect(model.subagentAnswers()).toBe(1); // the held answer went to a request nobody waits for
    expect(llm.requests().some((r) => !isSubagent(r) && bodyOf(r).includes("[Subagent 'counter'") && bodyOf(r).includes('count-stop'))).toBe(false);
  });

  it('an agent that stops hands the subagent back to the queue, and the next agent finishes it without running its command again', async () => {
    const first = await startWorker();
    const model = scriptModel(llm, { trigger: 'count-resume', command: 'echo run >> resume-counter.txt; echo 5 things', hold: true });
    await queues.addInbound(message('503', 'count-resume please'));
    await until(() => model.isHeld());
    await first.stop();
    workers.splice(workers.indexOf(first), 1);
    const job = (await subagentJobs()).find((j) => JSON.stringify(j.data).includes('count-resume'));
    expect(await job?.getState()).toBe('waiting');
    model.release();
    await startWorker();
    await until(async () => (await repliesTo('503')).length >= 2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await repliesTo('503')).map((r) => r.text).sort()).toEqual(['I started a background task.', 'Your count is ready.']);
    expect(await readFile(join(workspace, 'resume-counter.txt'), 'utf8')).toBe('run\n');
  });
});
