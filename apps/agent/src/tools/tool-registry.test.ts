import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '@nanobot/core';
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

  it('gives a tool its own JSON Schema when it brings one, and drops a tool taken away from the specs', () => {
    const own = createToolRegistry();
    const parameters = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
    own.register({ name: 'mcp_fs_read', description: 'Reads', schema: z.record(z.string(), z.unknown()), parameters, execute: async () => 'ok' });
    expect(own.specs()).toEqual([{ name: 'mcp_fs_read', description: 'Reads', parameters }]);
    own.unregister('mcp_fs_read');
    expect(own.specs()).toEqual([]);
    expect(own.has('mcp_fs_read')).toBe(false);
  });

  it('tells the model about invalid arguments, bad JSON and unknown tools instead of throwing', async () => {
    expect(await registry.run(call('repeat', { word: 'a', times: 0 }), context)).toMatch(/^Error: Invalid parameters for tool 'repeat': times/);
    expect(await registry.run(call('repeat', '{not json'), context)).toMatch(/not valid JSON/);
    expect(await registry.run(call('nope', {}), context)).toMatch(/^Error: Tool 'nope' not found/);
  });

  it('cuts long results and says how much was left out', async () => {
    expect(await registry.run(call('repeat', { word: 'ab', times: 15 }), context)).toBe(`${'ab'.repeat(10)}\n... (truncated, 10 more chars)`);
  });

  it('lets an unreachable Redis end the turn (it is retried) instead of telling the model the tool failed', async () => {
    const local = createToolRegistry();
    local.register(defineTool({ name: 'send', description: 'Sends', schema: z.object({}), execute: async () => Promise.reject(new AppError('BUS_UNAVAILABLE', 'no redis')) }));
    local.register(defineTool({ name: 'fail', description: 'Fails', schema: z.object({}), execute: async () => Promise.reject(new Error('disk full')) }));
    await expect(local.run(call('send', {}), context)).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
    expect(await local.run(call('fail', {}), context)).toBe('Error executing fail: disk full');
  });
});
