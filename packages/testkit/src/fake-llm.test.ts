import { APIError, OpenAI } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from './fake-llm.js';

let llm: FakeLlm;
let client: OpenAI;

beforeEach(async () => {
  llm = await startFakeLlm();
  client = new OpenAI({ baseURL: llm.baseUrl, apiKey: 'test-key', maxRetries: 0 });
});

afterEach(async () => {
  await llm.close();
});

// Response bodies are read field by field in assertions; their shape is the fakes' contract.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function complete(body: unknown, path = '/chat/completions', headers: Record<string, string> = {}) {
  const response = await fetch(`${llm.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
}

const ask = (text: string, model = 'gpt-test') => ({ model, messages: [{ role: 'user' as const, content: text }] });

describe('fake LLM: OpenAI chat completions', () => {
  it('echoes the last user message by default', async () => {
    const first = await complete({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'be nice' },
        { role: 'user', content: 'older' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'part two' }] },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [{ index: 0, message: { role: 'assistant', content: 'echo: part one\npart two' }, finish_reason: 'stop' }],
    });
    const usage = first.json.usage as Json;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const second = await complete(ask('again'));
    expect(second.json.id).not.toBe(first.json.id);
  });

  it('works with the official OpenAI client', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]?.message.content).toBe('echo: hello');
    expect(llm.requests()).toMatchObject([{ path: '/v1/chat/completions', model: 'gpt-test', body: { model: 'gpt-test' } }]);
    expect(llm.requests()[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('returns scripted replies in order, with tool calls, before the default', async () => {
    llm.script(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }], usage: { promptTokens: 11, completionTokens: 7 } },
      { content: 'done' },
    );
    const first = await client.chat.completions.create(ask('go'));
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } });
    expect(call?.id).toMatch(/^call-/);
    expect(first.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect((await client.chat.completions.create(ask('go'))).choices[0]?.message.content).toBe('done');
    expect((await client.chat.completions.create(ask('go'))).choices[0]?.message.content).toBe('echo: go');
  });

  it('computes replies with a responder until it is reset', async () => {
    llm.setResponder(async (request) => ({ content: `model was ${request.model}` }));
    expect((await client.chat.completions.create(ask('x', 'm1'))).choices[0]?.message.content).toBe('model was m1');
    llm.resetResponder();
    expect((await client.chat.completions.create(ask('x', 'm1'))).choices[0]?.message.content).toBe('echo: x');
  });

  it('streams content and tool calls as server-sent events', async () => {
    llm.script({ content: 'one two three', toolCalls: [{ name: 'search', arguments: { q: 'cats' } }] });
    const stream = await client.chat.completions.create({ ...ask('s'), stream: true, stream_options: { include_usage: true } });
    let content = '';
    let args = '';
    let name = '';
    let finish: string | null = null;
    let totalTokens = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      content += choice?.delta.content ?? '';
      name += choice?.delta.tool_calls?.[0]?.function?.name ?? '';
      args += choice?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = choice?.finish_reason ?? finish;
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    expect([content, name, args, finish]).toEqual(['one two three', 'search', '{"q":"cats"}', 'tool_calls']);
    expect(totalTokens).toBeGreaterThan(0);
  });

  it('ends a raw stream with data: [DONE]', async () => {
    const response = await fetch(`${llm.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask('raw'), stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text()).split('\n\n').filter((event) => event !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.every((event) => event.startsWith('data: '))).toBe(true);
  });

  it('answers malformed JSON and missing fields with 400 and an OpenAI error body', async () => {
    const broken = await complete('{"model": ');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatchObject({ type: 'invalid_request_error' });
    const noModel = await complete({ messages: [] });
    expect(noModel.json.error.message).toBe('you must provide a model parameter');
    expect(llm.requests()[0]?.body).toBeNull();
  });

  it('lists models and answers unknown routes with 404', async () => {
    await complete(ask('x', 'seen-model'));
    const models = (await (await fetch(`${llm.baseUrl}/models`)).json()) as Json;
    expect(models.data.map((model: Json) => model.id)).toEqual(['fake-model', 'seen-model']);
    expect((await fetch(`${llm.baseUrl}/nothing`, { method: 'POST' })).status).toBe(404);
  });
});

describe('fake LLM: faults, latency and concurrency', () => {
  it('fails only the scoped model, only the given number of times', async () => {
    llm.setFault({ kind: 'status', status: 503, times: 2 }, { model: 'primary' });
    const statuses: number[] = [];
    for (const model of ['primary', 'backup', 'primary', 'primary']) statuses.push((await complete(ask('x', model))).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
    const error = await client.chat.completions.create(ask('x', 'other')).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeUndefined();
  });

  it('keeps an outage for the given time, then answers again', async () => {
    llm.setFault({ kind: 'status', status: 502, forMs: 300 });
    const during = [(await complete(ask('x'))).status, (await complete(ask('x'))).status];
    await new Promise((r) => setTimeout(r, 350));
    expect(during).toEqual([502, 502]);
    expect((await complete(ask('x'))).status).toBe(200);
    llm.setFault({ kind: 'status', status: 401, forMs: 5_000, times: 1 });
    expect((await complete(ask('x'))).status).toBe(401);
    expect((await complete(ask('x'))).status).toBe(200);
  });

  it('sends Retry-After and an OpenAI error body, or the given body', async () => {
    llm.setFault({ kind: 'status', status: 429, retryAfterSeconds: 7, times: 1 });
    const limited = await complete(ask('x'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.json.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    llm.setFault({ kind: 'status', status: 500, body: { error: { message: 'custom' } } });
    const error = await client.chat.completions.create(ask('x')).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(500);
    expect((error as APIError).message).toMatch(/custom/);
    llm.clearFaults();
    expect((await complete(ask('x'))).status).toBe(200);
  });

  it('hangs until the client gives up, and resets connections', async () => {
    llm.setFault({ kind: 'hang', times: 1 });
    const hung = await fetch(`${llm.baseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(ask('x')),
      signal: AbortSignal.timeout(100),
    }).catch((error: unknown) => (error instanceof Error ? error.name : 'unknown'));
    expect(hung).toBe('TimeoutError');
    llm.setFault({ kind: 'reset', times: 1 });
    await expect(complete(ask('x'))).rejects.toThrow();
    expect((await complete(ask('x'))).status).toBe(200);
  });

  it('applies latency and reports the peak of concurrent requests', async () => {
    llm.setLatency({ minMs: 80, maxMs: 120 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, (_, index) => complete(ask(`r${index}`))));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(75);
    expect(elapsed).toBeLessThan(500);
    expect(llm.maxInFlight()).toBe(5);
    await expect.poll(() => llm.inFlight()).toBe(0);
  });
});

describe('fake LLM: Anthropic messages', () => {
  const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
  const body = (text: unknown) => ({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: text }] });

  it('echoes text and returns scripted tool_use blocks', async () => {
    const echo = await complete(body([{ type: 'text', text: 'hi there' }]), '/messages', headers);
    expect(echo.json).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'echo: hi there' }],
      stop_reason: 'end_turn',
    });
    expect(echo.json.usage.input_tokens).toBeGreaterThan(0);
    llm.script({ content: 'let me look', toolCalls: [{ name: 'search', arguments: { q: 'x' } }] });
    const tool = await complete(body('find'), '/messages', headers);
    expect(tool.json.stop_reason).toBe('tool_use');
    expect(tool.json.content).toMatchObject([
      { type: 'text', text: 'let me look' },
      { type: 'tool_use', name: 'search', input: { q: 'x' } },
    ]);
    expect(llm.requests()[0]?.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('requires the API key and version headers and answers faults in Anthropic format', async () => {
    expect((await complete(body('x'), '/messages', { 'anthropic-version': '2023-06-01' })).status).toBe(401);
    const noVersion = await complete(body('x'), '/messages', { 'x-api-key': 'k' });
    expect(noVersion.status).toBe(400);
    expect(noVersion.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    llm.setFault({ kind: 'status', status: 529, times: 1 }, { model: 'claude-test' });
    const overloaded = await complete(body('x'), '/messages', headers);
    expect(overloaded.status).toBe(529);
    expect(overloaded.json.error.type).toBe('overloaded_error');
  });
});

describe('fake LLM: Azure, the Responses API and vendor base paths', () => {
  it('answers Azure on the deployment route, recording the deployment and the api-version', async () => {
    const url = `${llm.origin}/openai/deployments/my-dep/chat/completions?api-version=2024-10-21`;
    const response = await fetch(url, { method: 'POST', headers: { 'api-key': 'k' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    const json = (await response.json()) as Json;
    expect(json.choices[0].message.content).toBe('echo: hi');
    expect(llm.requests()[0]).toMatchObject({ api: 'azure', deployment: 'my-dep', model: 'my-dep', query: { 'api-version': '2024-10-21' } });
  });

  it('answers the Responses API with output items and usage', async () => {
    llm.script({ content: 'ok', toolCalls: [{ name: 'search', arguments: { q: 'x' } }] });
    const response = await client.responses.create({ model: 'gpt-test', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] });
    expect(response.output.map((item) => item.type)).toEqual(['message', 'function_call']);
    expect(response.output_text).toBe('ok');
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    const echo = await client.responses.create({ model: 'gpt-test', input: 'plain string' });
    expect(echo.output_text).toBe('echo: plain string');
  });

  it('serves the Messages API and Chat Completions under any base path', async () => {
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    const body = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hey' }] };
    const anthropic = await fetch(`${llm.origin}/coding/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(((await anthropic.json()) as Json).content[0].text).toBe('echo: hey');
    const chat = await fetch(`${llm.origin}/api/paas/v4/chat/completions`, { method: 'POST', body: JSON.stringify(ask('yo')) });
    expect(((await chat.json()) as Json).choices[0].message.content).toBe('echo: yo');
  });

  it("echoes the user's words without nanobot's runtime context block", async () => {
    const text = 'what time is it?\n\n[Runtime Context — metadata only, not instructions]\nCurrent Time: 2026-01-01 10:00\n[/Runtime Context]';
    const completion = await client.chat.completions.create(ask(text));
    expect(completion.choices[0]?.message.content).toBe('echo: what time is it?');
  });
});

describe('fake LLM: prompt cache by common prefix', () => {
  let cached: FakeLlm;
  beforeEach(async () => {
    cached = await startFakeLlm({ promptCache: { minTokens: 0, incrementTokens: 1 } });
  });
  afterEach(async () => cached.close());

  it('reports the prefix an OpenAI request shares with an earlier one as cached_tokens', async () => {
    const c = new OpenAI({ baseURL: cached.baseUrl, apiKey: 'k', maxRetries: 0 });
    const long = 'x'.repeat(4000);
    const first = await c.chat.completions.create({ model: 'm', messages: [{ role: 'system', content: long }, { role: 'user', content: 'a' }] });
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await c.chat.completions.create({ model: 'm', messages: [{ role: 'system', content: long }, { role: 'user', content: 'b' }] });
    const hit = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(hit).toBeGreaterThanOrEqual(1000);
    expect(hit).toBeLessThan(second.usage?.prompt_tokens ?? 0);
    const otherModel = await c.chat.completions.create({ model: 'n', messages: [{ role: 'system', content: long }, { role: 'user', content: 'b' }] });
    expect(otherModel.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('caches Anthropic prompts only up to cache_control breakpoints', async () => {
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    const long = 'y'.repeat(4000);
    const send = async (system: unknown) => {
      const response = await fetch(`${cached.origin}/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'c', max_tokens: 10, system, messages: [{ role: 'user', content: 'q' }] }),
      });
      return ((await response.json()) as Json).usage as Json;
    };
    await send(long);
    const unmarked = await send(long);
    expect([unmarked.cache_read_input_tokens, unmarked.cache_creation_input_tokens]).toEqual([0, 0]);
    const marked = [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }];
    const write = await send(marked);
    expect(write.cache_creation_input_tokens).toBeGreaterThanOrEqual(1000);
    const read = await send(marked);
    expect(read.cache_read_input_tokens).toBe(write.cache_creation_input_tokens);
    expect(read.cache_creation_input_tokens).toBe(0);
    expect(read.input_tokens).toBeGreaterThan(0);
  });

  it('caches nothing below the minimum prompt length providers cache', async () => {
    const strict = await startFakeLlm({ promptCache: true });
    const c = new OpenAI({ baseURL: strict.baseUrl, apiKey: 'k', maxRetries: 0 });
    await c.chat.completions.create(ask('short'));
    const again = await c.chat.completions.create(ask('short'));
    expect(again.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    await strict.close();
  });
});
