import { describe, expect, it } from 'vitest';
import { withCacheBreakpoints } from './anthropic-cache.js';
import { toAnthropicMessages } from './anthropic-model.js';

const marker = { type: 'ephemeral' };
const countMarkers = (value: unknown) => JSON.stringify(value).split('"cache_control"').length - 1;

describe('Anthropic cache breakpoints', () => {
  it('marks the last tool, the system prompt and the last two messages of a tool loop, four at most', () => {
    const { system, messages } = toAnthropicMessages([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'list it' },
      { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'list_dir', argumentsJson: '{"path":"."}' }] },
      { role: 'tool', toolCallId: 't1', name: 'list_dir', content: 'a.txt' },
    ]);
    const tools = [
      { name: 'a', description: 'a', input_schema: { type: 'object' as const } },
      { name: 'b', description: 'b', input_schema: { type: 'object' as const } },
    ];
    const cached = withCacheBreakpoints(system, messages, tools);
    expect(cached.system).toEqual([{ type: 'text', text: 'sys', cache_control: marker }]);
    expect(cached.tools.map((t) => t.cache_control)).toEqual([undefined, marker]);
    expect(cached.messages[0]?.content).toBe('list it');
    expect(cached.messages[1]?.content).toEqual([{ type: 'tool_use', id: 't1', name: 'list_dir', input: { path: '.' }, cache_control: marker }]);
    expect(cached.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt', cache_control: marker }]);
    expect(countMarkers(cached)).toBe(4);
    // The input is left as it was: the loop keeps its own copy of the conversation.
    expect(countMarkers(messages)).toBe(0);
  });

  it('puts no breakpoint on an empty text block or an empty system prompt', () => {
    const cached = withCacheBreakpoints('', [{ role: 'user', content: '' }], []);
    expect(cached.system).toBeUndefined();
    expect(cached.messages).toEqual([{ role: 'user', content: '' }]);
  });
});
