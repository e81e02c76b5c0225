import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { replies } from '../replies.js';
import { toSessionFileName } from '../session-store.js';
import { createToolAgent, lastToolResults, signal } from '../test-support/tool-agent.js';
import { createMemoryToolJournal } from '../tools/tool-call-journal.js';

const counterCommand = 'echo run >> counter.txt; echo counted';
const readCounter = (workspace: string) => readFile(join(workspace, 'counter.txt'), 'utf8').catch(() => '');

describe('tool calls of a turn that runs again', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());
  beforeEach(() => {
    llm.resetResponder();
    llm.clearFaults();
  });

  it('are not run again when a model outage put the turn back after they ran', async () => {
    const journal = createMemoryToolJournal();
    const t = await createToolAgent(llm, { journal });
    const message = t.message('count once');
    let calls = 0;
    llm.setResponder(() => {
      calls += 1;
      if (calls > 1) return { content: 'Counted.' };
      // The model goes down right after asking for the command: the next request gets 503.
      llm.setFault({ kind: 'status', status: 503, times: 1 });
      return { toolCalls: [{ name: 'exec', arguments: { command: counterCommand } }] };
    });
    expect(await t.agent.handleTurn(message, { signal })).toMatchObject({ kind: 'unavailable' });
    expect(await readCounter(t.workspace)).toBe('run\n');
    const before = llm.requests().length;
    // The put-back turn runs again (the outage is over): the model is asked only for the answer.
    expect(await t.agent.handleTurn(message, { signal })).toEqual({ kind: 'done' });
    expect(await readCounter(t.workspace)).toBe('run\n');
    expect(llm.requests().length - before).toBe(1);
    expect(lastToolResults(llm)).toEqual(['counted\n\nExit code: 0']);
    expect(t.sent.map((r) => r.text)).toEqual(['Counted.']);
  });

  it('tell the model a call with effects that a crash cut short has an unknown outcome, instead of running it', async () => {
    const journal = createMemoryToolJournal();
    const t = await createToolAgent(llm, { journal });
    const message = t.message('count');
    // What an earlier run recorded before the process died inside the command.
    const call = { id: 'call-from-the-dead-run', name: 'exec', argumentsJson: JSON.stringify({ command: counterCommand }) };
    await journal.recordStep(message.id, 1, { text: '', calls: [call] });
    await journal.recordStart(message.id, 1, 0, { name: call.name, argumentsJson: call.argumentsJson });
    llm.script({ content: 'It may have run; let me check.' });
    await t.agent.handleTurn(message, { signal });
    expect(await readCounter(t.workspace)).toBe('');
    expect(lastToolResults(llm)).toEqual([replies.toolInterrupted('exec')]);
    expect(t.sent.map((r) => r.text)).toEqual(['It may have run; let me check.']);
  });

  it('run again when they only read, and reuse every result that was recorded', async () => {
    const journal = createMemoryToolJournal();
    const t = await createToolAgent(llm, { journal });
    const message = t.message('look');
    llm.setResponder(() => {
      llm.setFault({ kind: 'status', status: 503, times: 1 });
      return { toolCalls: [{ name: 'exec', arguments: { command: counterCommand } }, { name: 'list_dir', arguments: { path: '.' } }] };
    });
    await t.agent.handleTurn(message, { signal });
    llm.resetResponder();
    llm.script({ content: 'ok' });
    await t.agent.handleTurn(message, { signal });
    expect(await readCounter(t.workspace)).toBe('run\n');
    expect(lastToolResults(llm)).toEqual(['counted\n\nExit code: 0', '📄 counter.txt']);
  });

  it("keep the assistant's tool calls and their results in the session file, in nanobot's format, for the next turn", async () => {
    const t = await createToolAgent(llm);
    llm.script({ content: 'Let me look.', toolCalls: [{ name: 'exec', arguments: { command: 'echo 41' } }] }, { content: 'It says 41.' });
    const first = t.message('what does echo say?');
    await t.agent.handleTurn(first, { signal });
    const lines = (await readFile(join(t.workspace, 'sessions', toSessionFileName('telegram:42')), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(1).map((l) => l['role'])).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const [, , asked, result] = lines;
    const callId = (asked?.['tool_calls'] as Array<{ id: string }>)[0]?.id;
    expect(asked).toMatchObject({ content: 'Let me look.', tool_calls: [{ id: callId, type: 'function', function: { name: 'exec', arguments: '{"command":"echo 41"}' } }] });
    expect(result).toMatchObject({ role: 'tool', tool_call_id: callId, name: 'exec', content: '41\n\nExit code: 0' });
    await t.agent.handleTurn(t.message('and again?'), { signal });
    const body = llm.requests().at(-1)?.body as { messages: Array<{ role: string; tool_call_id?: string; tool_calls?: unknown[] }> };
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(body.messages[3]?.tool_call_id).toBe(callId);
  });
});
