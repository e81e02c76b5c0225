import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFileTools } from './file-tools.js';
import { createToolRegistry, defineTool } from './tool-registry.js';

const context = { signal: new AbortController().signal, sessionKey: 'cli:direct' };
const call = (name: string, args: unknown) => ({ id: 'c1', name, argumentsJson: typeof args === 'string' ? args : JSON.stringify(args) });

describe('the tool registry', () => {
  const registry = createToolRegistry({ maxResultChars: 20 });
  registry.register(
    defineTool({
      name: 'repeat',
      description: 'Repeats a word',
      schema: z.object({ word: z.string(), times: z.number().int().min(1) }),
      execute: async ({ word, times }) => word.repeat(times),
    }),
  );

  it('describes each tool with the JSON Schema of its arguments', () => {
    expect(registry.specs()).toEqual([
      {
        name: 'repeat',
        description: 'Repeats a word',
        parameters: expect.objectContaining({ type: 'object', required: ['word', 'times'] }) as unknown,
      },
    ]);
  });

  it('tells the model about invalid arguments, bad JSON and unknown tools instead of throwing', async () => {
    expect(await registry.run(call('repeat', { word: 'a', times: 0 }), context)).toMatch(/^Error: Invalid parameters for tool 'repeat': times/);
    expect(await registry.run(call('repeat', '{not json'), context)).toMatch(/not valid JSON/);
    expect(await registry.run(call('nope', {}), context)).toMatch(/^Error: Tool 'nope' not found/);
  });

  it('cuts long results and says how much was left out', async () => {
    expect(await registry.run(call('repeat', { word: 'ab', times: 15 }), context)).toBe(`${'ab'.repeat(10)}\n... (truncated, 10 more chars)`);
  });
});

describe('the file tools', () => {
  it('write, edit, read and list files inside the workspace', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'nb-tools-'));
    const registry = createToolRegistry();
    for (const tool of createFileTools({ workspace, restrict: true })) registry.register(tool);
    expect(await registry.run(call('write_file', { path: 'notes/a.txt', content: 'hello world' }), context)).toMatch(/Successfully wrote 11 bytes/);
    expect(await registry.run(call('edit_file', { path: 'notes/a.txt', old_text: 'world', new_text: 'there' }), context)).toMatch(/Successfully edited/);
    expect(await readFile(join(workspace, 'notes/a.txt'), 'utf8')).toBe('hello there');
    expect(await registry.run(call('read_file', { path: 'notes/a.txt' }), context)).toBe('hello there');
    expect(await registry.run(call('list_dir', { path: '.' }), context)).toBe('📁 notes');
    expect(await registry.run(call('edit_file', { path: 'notes/a.txt', old_text: 'absent', new_text: 'x' }), context)).toMatch(/old_text not found/);
  });

  it('refuses paths outside the workspace when restricted', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'nb-tools-'));
    const outside = join(await mkdtemp(join(tmpdir(), 'nb-outside-')), 'secret.txt');
    await writeFile(outside, 'secret');
    const registry = createToolRegistry();
    for (const tool of createFileTools({ workspace, restrict: true })) registry.register(tool);
    expect(await registry.run(call('read_file', { path: outside }), context)).toMatch(/outside the workspace/);
    expect(await registry.run(call('read_file', { path: '../../etc/passwd' }), context)).toMatch(/outside the workspace/);
    const open = createToolRegistry();
    for (const tool of createFileTools({ workspace, restrict: false })) open.register(tool);
    expect(await open.run(call('read_file', { path: outside }), context)).toBe('secret');
  });
});
