import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, queueNames } from '@nanobot/bus';
import { freePort, startFakeLlm, startRedis, type FakeLlm, type RedisServer } from '@nanobot/testkit';

const root = resolve(import.meta.dirname, '../..');
const nanobot = join(root, 'apps/cli/bin/nanobot.js');
const agentMain = join(root, 'apps/agent/dist/main.js');

type Run = { code: number; stdout: string; stderr: string };

function run(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [nanobot, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input ?? '');
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('nanobot agent', () => {
  let llm: FakeLlm;
  let redis: RedisServer;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    llm = await startFakeLlm();
    redis = await startRedis();
    home = await mkdtemp(join(tmpdir(), 'nb-agent-cli-'));
    const config = { agents: { defaults: { provider: 'custom', model: 'test-model' } }, providers: { custom: { apiKey: 'k', apiBase: llm.baseUrl } } };
    await writeFile(join(home, 'config.json'), JSON.stringify(config));
    env = { PATH: process.env.PATH, HOME: home, NANOBOT_HOME: home, REDIS_URL: redis.url };
  });

  afterAll(async () => {
    await llm?.close();
    await redis?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('prints the model reply to -m "hello" without the cluster running', async () => {
    const result = await run(['agent', '-m', 'hello'], env);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: 'echo: hello\n' });
    // The clock rides after the user's words (a runtime context block), not in the system prompt.
    expect(llm.requests().at(-1)?.body).toMatchObject({ messages: [{ role: 'system' }, { role: 'user', content: expect.stringMatching(/^hello\n\n\[Runtime Context/) }] });
  });

  it('keeps the conversation in an interactive session and leaves on an exit word', async () => {
    const result = await run(['agent', '-s', 'cli:chat'], env, 'first\nsecond\n:q\nnever sent\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('echo: first');
    expect(result.stdout).toContain('echo: second');
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('never sent'))).toBe(false);
    const last = llm.requests().at(-1)?.body as { messages: Array<{ content: unknown }> };
    const withContext = (text: string) => expect.stringMatching(new RegExp(`^${text}\\n\\n\\[Runtime Context`));
    expect(last.messages.map((m) => m.content)).toEqual(expect.arrayContaining([withContext('first'), 'echo: first', withContext('second')]));
  });

  it('on a fresh machine (no config, no cluster) says within 2 s that no provider is configured', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'nb-agent-fresh-'));
    try {
      // No REDIS_URL: the embedded Redis's port, where nothing runs.
      const freshEnv = { PATH: process.env.PATH, HOME: fresh, NANOBOT_HOME: join(fresh, '.nanobot'), NANOBOT_REDIS__PORT: String(await freePort()) };
      const startedAt = Date.now();
      const result = await run(['agent', '-m', 'hi'], freshEnv);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('no LLM provider is configured');
      expect(result.stderr).toContain('nanobot onboard');
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('goes through the running cluster when an agent instance is up', async () => {
    const agent = await startAgent();
    try {
      const result = await run(['agent', '-m', 'via the bus', '--logs'], env);
      expect(result).toMatchObject({ code: 0, stdout: 'echo: via the bus\n' });
      // On failure this shows why the CLI answered in its own process instead.
      expect(result.stderr).toContain('sending through the running cluster');
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue(queueNames.inbound, { connection, prefix: bullPrefix });
      // The reply can reach the CLI a moment before the agent marks the inbound job completed.
      const completedTexts = async (): Promise<string[]> =>
        (await queue.getJobs(['completed'])).map((j) => (j.data as { text?: string }).text ?? '');
      await expect.poll(completedTexts, { timeout: 5000, interval: 50 }).toContain('via the bus');
      const leftover = new Queue(queueNames.outbound('cli'), { connection, prefix: bullPrefix });
      expect(await leftover.getJobCounts('wait')).toEqual({ wait: 0 });
      await Promise.all([queue.close(), leftover.close()]);
      await connection.quit();
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
  });

  it('says every few seconds what a slow reply waits for, and leaks no listeners meanwhile', async () => {
    const agent = await startAgent();
    llm.setLatency(11_500);
    try {
      const result = await run(['agent', '-m', 'take your time'], env);
      expect(result).toMatchObject({ code: 0, stdout: 'echo: take your time\n' });
      const progress = result.stderr.split('\n').filter((line) => line.startsWith('nanobot: still waiting'));
      expect(progress).toEqual(['nanobot: still waiting (5s): the agent is working on it', 'nanobot: still waiting (10s): the agent is working on it']);
      expect(result.stderr).not.toContain('MaxListenersExceededWarning');
    } finally {
      llm.setLatency(0);
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
  }, 40_000);

  /** An agent instance of the cluster, without pm2, once it reported in. */
  async function startAgent(): Promise<ChildProcess> {
    const agent: ChildProcess = spawn(process.execPath, [agentMain], { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((done) => {
      let out = '';
      agent.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('agent ready')) done();
      });
    });
    return agent;
  }
});
