import type Anthropic from '@anthropic-ai/sdk';

/**
 * Anthropic prompt caching (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching):
 * a `cache_control` breakpoint caches everything before it, in the order tools → system →
 * messages. Four breakpoints at most; we use them as nanobot does, plus the end:
 * - the last tool (the tool list changes least),
 * - the system prompt (stable: the clock is not in it, see build-system-prompt.ts),
 * - the message before the last (older history, read back by the next turn),
 * - the last message, so the next request of the tool loop reads this whole prompt back.
 */
const marker: Anthropic.CacheControlEphemeral = { type: 'ephemeral' };

type Block = Anthropic.ContentBlockParam;

function markLastBlock(message: Anthropic.MessageParam): Anthropic.MessageParam {
  const blocks: Block[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : [...message.content];
  const last = blocks[blocks.length - 1];
  // Empty text blocks cannot carry a breakpoint (the API refuses them); thinking blocks take none.
  if (last === undefined || (last.type === 'text' && last.text === '') || last.type === 'thinking' || last.type === 'redacted_thinking') return message;
  blocks[blocks.length - 1] = { ...last, cache_control: marker } as Block;
  return { ...message, content: blocks } as Anthropic.MessageParam;
}

export type CachedRequest = {
  system: Anthropic.TextBlockParam[] | undefined;
  messages: Anthropic.MessageParam[];
  tools: Anthropic.Tool[];
};

export function withCacheBreakpoints(system: string, messages: Anthropic.MessageParam[], tools: Anthropic.Tool[]): CachedRequest {
  const marked = [...messages];
  const lastIndex = marked.length - 1;
  for (const index of [lastIndex - 1, lastIndex]) {
    const message = marked[index];
    if (message !== undefined && index >= 0) marked[index] = markLastBlock(message);
  }
  const lastTool = tools[tools.length - 1];
  const cachedTools = lastTool === undefined ? tools : [...tools.slice(0, -1), { ...lastTool, cache_control: marker }];
  return {
    system: system === '' ? undefined : [{ type: 'text', text: system, cache_control: marker }],
    messages: marked,
    tools: cachedTools,
  };
}
