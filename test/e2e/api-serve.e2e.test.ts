import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, fakeConfig, freePort, repoRoot, startFakeLlm, startRedis, type Cluster, type FakeLlm, type RedisServer } from '@nanobot/testkit';

const apiKey = 'test-api-key-0123';

/** The fake LLM's request whose last user message is `text`: what the agent sent for that turn. */
function requestFor(llm: FakeLlm, text: string): string {
  const found = llm.requests().find((r) => {
    const messages = (r.body as { messages?: Array<{ role: string; content: unknown }> } | null)?.messages ?? [];
    const users = messages.filter((m) => m.role === 'user');
    return JSON.stringify(users.at(-1)?.content ?? '').includes(text);
  });
  return JSON.stringify(found?.body ?? null);
}

describe('nanobot serve: the OpenAI-compatible API, answered by the cluster through pm2 and Redis', () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let cluster: Cluster;
  let port: number;
  let client: OpenAI;

  beforeAll(async () => {
    redis = await startRedis();
    llm = await startFakeLlm();
    port = await freePort();
    const base = fakeConfig({ apiRoot: 'http://127.0.0.1:9', token: '1:unused', llmBaseUrl: llm.baseUrl });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: { ...base, channels: {}, api: { host: '127.0.0.1', port, apiKey } },
    });
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await cluster.waitOnline(['nanobot-api', 'nanobot-agent']);
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
  });

  afterAll(async () => {
    await cluster?.destroy();
    await llm?.close();
    await redis?.close();
  });

  it('lists the configured model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['test-model']);
  });

  it('answers a plain completion with the agent\'s reply', async () => {
    const completion = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hello api' }], user: 'plain-user' });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'echo: hello api' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams the reply in OpenAI\'s chunk format', async () => {
    const text = `stream me ${'please '.repeat(20).trim()}`;
    const stream = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: text }], user: 'stream-user', stream: true });
    const deltas: string[] = [];
    const finishes: Array<string | null> = [];
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      deltas.push(chunk.choices[0]?.delta.content ?? '');
      finishes.push(chunk.choices[0]?.finish_reason ?? null);
    }
    expect(deltas.join('')).toBe(`echo: ${text}`);
    expect(deltas.filter((d) => d !== '').length).toBeGreaterThan(1);
    expect(finishes.at(-1)).toBe('stop');
  });

  it('keeps one conversation per `user`', async () => {
    await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'ann-first: my name is Ann' }], user: 'ann' });
    await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'bob-first: my name is Bob' }], user: 'bob' });
    const again = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'ann-second: who am I?' }], user: 'ann' });
    expect(again.choices[0]?.message.content).toBe('echo: ann-second: who am I?');
    const sent = requestFor(llm, 'ann-second');
    expect(sent).toContain('ann-first: my name is Ann');
    expect(sent).toContain('echo: ann-first: my name is Ann');
    expect(sent).not.toContain('bob-first');
    expect(requestFor(llm, 'bob-first')).not.toContain('ann-first');
    // Chat commands work as in any chat, on the caller's own session.
    const history = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: '/history 2' }], user: 'ann' });
    expect(history.choices[0]?.message.content).toBe('Last 2 message(s):\n👤 You: ann-second: who am I?\n🤖 Bot: echo: ann-second: who am I?');
  });

  it('refuses a wrong or missing key with 401, and a second message in the array with 400', async () => {
    const wrong = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'not-the-key', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'let me in' }] })).rejects.toMatchObject({ status: 401 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    const bare = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(bare.status).toBe(401);
    expect(llm.requests().some((r) => JSON.stringify(r.body).includes('let me in'))).toBe(false);
    await expect(
      client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }),
    ).rejects.toMatchObject({ status: 400 });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('runs in the foreground as `nanobot serve --port`, answered by the same cluster, and stops on SIGINT', async () => {
    const foregroundPort = await freePort();
    const child = spawn(process.execPath, [join(repoRoot, 'apps/cli/bin/nanobot.js'), 'serve', '--port', String(foregroundPort)], { env: cluster.env, cwd: repoRoot, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const up = await fetch(`http://127.0.0.1:${foregroundPort}/health`).then((r) => r.ok, () => false);
        if (up) break;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('nanobot serve did not listen');
        await new Promise((r) => setTimeout(r, 200));
      }
      const foreground = new OpenAI({ baseURL: `http://127.0.0.1:${foregroundPort}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
      const completion = await foreground.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'from the foreground' }], user: 'fg' });
      expect(completion.choices[0]?.message.content).toBe('echo: from the foreground');
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('nanobot serve with no agent running', () => {
  let redis: RedisServer;
  let cluster: Cluster;
  let port: number;

  beforeAll(async () => {
    redis = await startRedis();
    port = await freePort();
    cluster = await createCluster({ redisUrl: redis.url, config: { api: { port } } });
  });
  afterAll(async () => {
    await cluster?.destroy();
    await redis?.close();
  });

  it('answers 503 at once, naming nanobot-agent, and queues nothing', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'apps/cli/bin/nanobot.js'), 'serve'], { env: cluster.env, cwd: repoRoot, stdio: 'ignore' });
    try {
      const deadline = Date.now() + 30_000;
      while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('nanobot serve did not listen');
        await new Promise((r) => setTimeout(r, 200));
      }
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
      await expect(client.chat.completions.create({ model: 'anthropic/claude-opus-4-5', messages: [{ role: 'user', content: 'anyone?' }] })).rejects.toMatchObject({
        status: 503,
        message: expect.stringContaining('nanobot-agent'),
      });
      const probe = new Redis(redis.url);
      try {
        expect(await probe.keys('nb:inbound:api-*')).toEqual([]);
      } finally {
        probe.disconnect();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
    }
  });
});

describe('nanobot serve without a key', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await createCluster({ config: { api: { host: '0.0.0.0' } } });
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('refuses 0.0.0.0 as nanobot does, naming api.apiKey', async () => {
    const result = await cluster.nanobot('serve');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('api.apiKey');
    const other = await cluster.nanobot('serve', '--host', '203.0.113.10');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/beyond loopback/);
  });

  it('leaves nanobot-api out of the ecosystem when it would listen beyond loopback without a key', async () => {
    const listed = spawn(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(join(repoRoot, 'ecosystem.config.js'))}).apps.map((a) => a.name)))`], {
      env: cluster.env,
      cwd: repoRoot,
    });
    let out = '';
    listed.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => listed.on('exit', r));
    expect(JSON.parse(out)).not.toContain('nanobot-api');
  });
});
