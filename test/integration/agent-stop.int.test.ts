import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, createRedis, queueNames } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';
import { createAgentWorker, type AgentWorker } from '../../apps/agent/src/create-agent-worker.js';

const agentMain = resolve(import.meta.dirname, '../../apps/agent/dist/main.js');
const log = createLogger({ name: 'agent-stop-int', level: 'silent' });

const inbound = (id: string, seq: number, body: { kind: 'message'; text: string } | { kind: 'command'; command: 'stop' }): InboundMessage => {
  const base = { id, channel: 'telegram' as const, chatId: '77', senderId: '77', sessionKey: 'telegram:77', seq, receivedAt: Date.now() };
  return body.kind === 'message' ? { ...base, ...body, media: [] } : { ...base, ...body, args: '' };
};

describe('/stop from another process', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let home: string;
  let child: ChildProcess;
  let childLog = '';
  let other: AgentWorker;

  beforeAll(async () => {
    redis = await startRedis();
    llm = await startFakeLlm();
    home = await mkdtemp(join(tmpdir(), 'nb-stop-'));
    const config = { agents: { defaults: { provider: 'custom', model: 'slow-model' } }, providers: { custom: { apiBase: llm.baseUrl } } };
    await writeFile(join(home, 'config.json'), JSON.stringify(config));
    child = spawn(process.execPath, [agentMain], { env: { PATH: process.env.PATH, NANOBOT_HOME: home, HOME: home, REDIS_URL: redis.url, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = new Promise<void>((done, fail) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        childLog += chunk.toString();
        if (childLog.includes('agent ready')) done();
      });
      child.on('exit', (code) => fail(new Error(`agent exited with ${code}: ${childLog}`)));
    });
    child.stderr?.on('data', (chunk: Buffer) => (childLog += chunk.toString()));
    await ready;
    // The other process: its processor gets the /stop job handed directly, so it cannot run in the child.
    const parsed = parseConfig(config, { env: {}, homeDir: home, nanobotHome: home, source: 'test' }).config;
    other = createAgentWorker({ config: parsed, nanobotHome: home, redisUrl: redis.url, log, env: {}, runtime: 'test', timeZone: 'UTC', startedAt: Date.now() });
  });

  afterAll(async () => {
    child?.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
    await other?.stop();
    await llm?.close();
    await redis?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function outbound(): Promise<OutboundMessage[]> {
    const connection = createRedis({ url: redis.url, role: 'producer', log, name: 'test' });
    const queue = new Queue(queueNames.outbound('telegram'), { connection, prefix: bullPrefix });
    const jobs = await queue.getJobs(['wait', 'active', 'completed']);
    await queue.close();
    await connection.quit();
    return jobs.map((j) => j.data as OutboundMessage);
  }

  it('cancels a turn blocked in a slow LLM call running in another process', async () => {
    llm.setLatency(60_000);
    const connection = createRedis({ url: redis.url, role: 'producer', log, name: 'test' });
    const queues = createQueues(connection, log);
    await queues.addInbound(inbound('tg-77-1', 1, { kind: 'message', text: 'write me a long essay' }));
    const deadline = Date.now() + 10_000;
    while (llm.inFlight() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(llm.inFlight()).toBe(1);

    await (other.processor as (job: Job) => Promise<string>)({ id: 'tg-77-2', data: inbound('tg-77-2', 2, { kind: 'command', command: 'stop' }) } as unknown as Job);
    const stoppedBy = Date.now() + 3_000;
    while (llm.inFlight() > 0 && Date.now() < stoppedBy) await new Promise((r) => setTimeout(r, 20));
    expect(llm.inFlight()).toBe(0);
    expect(childLog).toContain('turn cancelled by /stop');
    expect((await outbound()).map((r) => [r.inReplyTo, r.text])).toEqual([['tg-77-2', 'Stopped 1 task(s).']]);

    // The session is free again: the next message is answered by the child.
    llm.setLatency(0);
    await queues.addInbound(inbound('tg-77-3', 3, { kind: 'message', text: 'short one' }));
    const answered = Date.now() + 10_000;
    while ((await outbound()).length < 2 && Date.now() < answered) await new Promise((r) => setTimeout(r, 50));
    expect((await outbound()).find((r) => r.inReplyTo === 'tg-77-3')?.text).toBe('echo: short one');
    expect((await outbound()).some((r) => r.inReplyTo === 'tg-77-1')).toBe(false);
    await queues.close();
    await connection.quit();
  });
});
