import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createToolAgent, signal } from '../test-support/tool-agent.js';
import { createMemoryToolJournal } from '../tools/tool-call-journal.js';
import { maskHintText, toToolHint } from './progress-hints.js';

const call = (name: string, args: unknown) => ({ id: 'c1', name, argumentsJson: JSON.stringify(args) });

describe('tool hints', () => {
  it("say which tool runs with its main argument, cut to nanobot's 40 characters", () => {
    expect(toToolHint(call('exec', { command: 'ls -la' }))).toBe('running exec: ls -la');
    expect(toToolHint(call('read_file', { path: 'notes/todo.md' }))).toBe('running read_file: notes/todo.md');
    expect(toToolHint(call('message', { content: 'hello there' }))).toBe('running message');
    expect(toToolHint(call('mcp_fs_read', { path: '/x' }))).toBe('running mcp_fs_read');
    const long = toToolHint(call('exec', { command: `echo ${'ab '.repeat(40)}` }));
    expect(long).toBe(`running exec: echo ${'ab '.repeat(11)}a…`);
  });

  it('never show a secret from the arguments', () => {
    const secrets = ['sk-live-abcdefghijklmnop', 'hunter2pass', 'supersecretvalue', 'q=abc123', 'AKIAABCDEFGHIJKLMNOPQRSTUVWXYZ0123456'];
    const commands = [
      'curl -H "Authorization: Bearer sk-live-abcdefghijklmnop" x',
      'PASSWORD=hunter2pass ./deploy',
      'mysql --password supersecretvalue',
      'curl https://api.example.com/v1?q=abc123&token=1',
      'aws s3 ls --key AKIAABCDEFGHIJKLMNOPQRSTUVWXYZ0123456',
      'export API_KEY="supersecretvalue"',
    ];
    for (const command of commands) {
      const masked = maskHintText(command);
      for (const secret of secrets) expect(masked, command).not.toContain(secret);
    }
    expect(maskHintText('git status && ls -la')).toBe('git status && ls -la');
  });
});

describe('progress and tool hints during a turn, through the agent loop', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());
  beforeEach(() => llm.resetResponder());

  const script = () =>
    llm.script(
      { content: '<think>plan</think>Let me look at the folder.', toolCalls: [{ name: 'exec', arguments: { command: 'ls -la' } }] },
      { toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }, { name: 'exec', arguments: { command: 'echo TOKEN=abc123456 ok' } }] },
      { content: 'All done.' },
    );

  it('with channels.sendToolHints on, a hint per iteration goes to the chat before the answer, with ids from the turn', async () => {
    const t = await createToolAgent(llm, { channels: { sendToolHints: true } });
    script();
    const message = t.message('look around');
    await t.agent.handleTurn(message, { signal });
    expect(t.sent.map((m) => [m.id, m.text, m.kind === 'reply' && (m.progress ?? false)])).toEqual([
      [`${message.id}-1-progress`, 'Let me look at the folder.', true],
      [`${message.id}-1-hint`, 'running exec: ls -la', true],
      [`${message.id}-2-hint`, 'running read_file: a.txt\nrunning exec: echo TOKEN=*** ok', true],
      [`${message.id}-reply`, 'All done.', false],
    ]);
  });

  it("with nanobot's defaults (sendProgress on, sendToolHints off) only the model's words are sent; with both off, only the answer", async () => {
    const t = await createToolAgent(llm);
    script();
    await t.agent.handleTurn(t.message('look around'), { signal });
    expect(t.sent.map((m) => m.text)).toEqual(['Let me look at the folder.', 'All done.']);
    const quiet = await createToolAgent(llm, { channels: { sendProgress: false, sendToolHints: false } });
    script();
    await quiet.agent.handleTurn(quiet.message('look around'), { signal });
    expect(quiet.sent.map((m) => m.text)).toEqual(['All done.']);
  });

  it('a re-run of the turn sends its hints again under the same ids, so the bus keeps one of each', async () => {
    const journal = createMemoryToolJournal();
    const t = await createToolAgent(llm, { channels: { sendToolHints: true, sendProgress: false }, journal });
    let calls = 0;
    llm.setResponder(() => {
      calls += 1;
      if (calls > 1) return { content: 'Finished.' };
      // The model's next request fails: the turn is put back with its first iteration recorded.
      llm.setFault({ kind: 'status', status: 503, times: 1 });
      return { toolCalls: [{ name: 'exec', arguments: { command: 'echo once >> ran.txt' } }] };
    });
    const message = t.message('look around');
    expect((await t.agent.handleTurn(message, { signal })).kind).toBe('unavailable');
    expect((await t.agent.handleTurn(message, { signal })).kind).toBe('done');
    expect(t.sent.map((m) => m.id)).toEqual([`${message.id}-1-hint`, `${message.id}-1-hint`, `${message.id}-reply`]);
    expect(calls).toBe(2);
    expect(await readFile(join(t.workspace, 'ran.txt'), 'utf8')).toBe('once\n');
  });
});
