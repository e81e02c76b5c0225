import type { Logger } from '@nanobot/log';
import { addUsage, noUsage, type ChatMessage, type ChatModel, type TokenUsage } from '../llm/chat-types.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { replies } from '../replies.js';

export type AgentLoopOptions = {
  model: ChatModel;
  tools: ToolRegistry;
  /** System prompt, history and the user's message; the loop appends to a copy. */
  messages: ChatMessage[];
  maxIterations: number;
  signal: AbortSignal;
  sessionKey: string;
  /** Between tool iterations: messages of the session that arrived meanwhile and join this turn. */
  takeInjected?: () => Promise<ChatMessage[]>;
  log: Logger;
};

export type AgentLoopResult = {
  text: string;
  usage: TokenUsage;
  iterations: number;
  hitLimit: boolean;
};

/**
 * nanobot's agent loop: call the model; run the tool calls it asks for and feed
 * the results back; repeat until it answers without tools or the iteration limit
 * is reached. Model errors propagate (the caller answers with nanobot's error text).
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
  const messages = [...options.messages];
  const specs = options.tools.specs();
  let usage = noUsage;
  for (let iteration = 1; iteration <= options.maxIterations; iteration += 1) {
    const result = await options.model.complete({ messages, tools: specs }, { signal: options.signal });
    usage = addUsage(usage, result.usage);
    if (result.toolCalls.length === 0) return { text: result.text, usage, iterations: iteration, hitLimit: false };
    messages.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
    for (const call of result.toolCalls) {
      options.log.debug({ tool: call.name, iteration, sessionKey: options.sessionKey }, 'running tool');
      const content = await options.tools.run(call, { signal: options.signal, sessionKey: options.sessionKey });
      messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content });
    }
    if (options.takeInjected !== undefined) messages.push(...(await options.takeInjected()));
  }
  options.log.warn({ sessionKey: options.sessionKey, maxIterations: options.maxIterations }, 'turn reached the tool iteration limit');
  return { text: replies.iterationLimit(options.maxIterations), usage, iterations: options.maxIterations, hitLimit: true };
}
