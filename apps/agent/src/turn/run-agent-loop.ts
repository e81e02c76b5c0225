import type { Logger } from '@nanobot/log';
import { addUsage, noUsage, type ChatMessage, type ChatModel, type TokenUsage, type ToolCall } from '../llm/chat-types.js';
import { callSlot, type RecordedStep, type ToolCallJournal, type TurnRecord } from '../tools/tool-call-journal.js';
import type { ToolOutput, ToolRegistry, TurnRef } from '../tools/tool-registry.js';
import { replies } from '../replies.js';

export type AgentLoopOptions = {
  model: ChatModel;
  tools: ToolRegistry;
  /** System prompt, history and the user's message; the loop appends to a copy. */
  messages: ChatMessage[];
  maxIterations: number;
  signal: AbortSignal;
  /** The message the turn answers; its id keys the turn's tool-call records. */
  turn: TurnRef;
  journal: ToolCallJournal;
  /** Between tool iterations: messages of the session that arrived meanwhile and join this turn. */
  takeInjected?: () => Promise<ChatMessage[]>;
  /** Watches each model answer's text as it streams in (a streamed reply). */
  onText?: (textSoFar: string) => void;
  /** Before an iteration's calls run, recorded or replayed (progress hints; their ids make a replay harmless). */
  onStep?: (iteration: number, step: RecordedStep) => Promise<void>;
  log: Logger;
};

export type AgentLoopResult = {
  text: string;
  usage: TokenUsage;
  iterations: number;
  hitLimit: boolean;
  /** The assistant's tool calls and their results, in order, for the session file. */
  transcript: ChatMessage[];
  /** A tool (`message`) already sent something to the turn's own chat. */
  deliveredToChat: boolean;
};

const sameCall = (a: { name: string; argumentsJson: string }, b: ToolCall) => a.name === b.name && a.argumentsJson === b.argumentsJson;

/**
 * nanobot's agent loop: call the model; run the tool calls it asks for and feed
 * the results back; repeat until it answers without tools or the iteration limit
 * is reached. Model errors propagate (the caller answers with nanobot's error text).
 *
 * Every step is recorded before the loop goes on (see tool-call-journal.ts): what the model
 * asked for, before any of it runs; that a call with effects started; what it answered. A run
 * of the same turn later (a crash, a model outage, another agent) replays the recorded
 * iterations without asking the model, reuses recorded results without running the tools,
 * and tells the model the outcome of a call cut short by the crash is unknown rather than
 * running it a second time (calls that may run again, `rerunSafe`, just run).
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
  const { journal, turn, log } = options;
  const messages = [...options.messages];
  const transcript: ChatMessage[] = [];
  const specs = options.tools.specs();
  const record = await journal.load(turn.id);
  if (record.steps.size > 0) log.info({ messageId: turn.id, iterations: record.steps.size }, 'replaying recorded tool calls of the turn');
  let usage = noUsage;
  let deliveredToChat = false;
  for (let iteration = 1; iteration <= options.maxIterations; iteration += 1) {
    let step = record.steps.get(iteration);
    if (step === undefined) {
      const result = await options.model.complete({ messages, tools: specs }, { signal: options.signal, onText: options.onText });
      usage = addUsage(usage, result.usage);
      if (result.toolCalls.length === 0) {
        return { text: result.text, usage, iterations: iteration, hitLimit: false, transcript, deliveredToChat };
      }
      step = { text: result.text, calls: result.toolCalls };
      await journal.recordStep(turn.id, iteration, step);
    }
    await options.onStep?.(iteration, step);
    const assistant: ChatMessage = { role: 'assistant', content: step.text, toolCalls: step.calls };
    messages.push(assistant);
    transcript.push(assistant);
    for (const [position, call] of step.calls.entries()) {
      const output = await runCall(options, record, { step, iteration, position, call });
      deliveredToChat ||= output.deliveredToChat === true;
      const result: ChatMessage = { role: 'tool', toolCallId: call.id, name: call.name, content: output.content };
      messages.push(result);
      transcript.push(result);
    }
    if (options.takeInjected !== undefined) messages.push(...(await options.takeInjected()));
  }
  log.warn({ sessionKey: turn.sessionKey, maxIterations: options.maxIterations }, 'turn reached the tool iteration limit');
  return { text: replies.iterationLimit(options.maxIterations), usage, iterations: options.maxIterations, hitLimit: true, transcript, deliveredToChat };
}

type CallAt = { step: RecordedStep; iteration: number; position: number; call: ToolCall };

/** One call: its recorded result, the note that it was cut short, or a run that is recorded. */
async function runCall(options: AgentLoopOptions, record: TurnRecord, at: CallAt): Promise<ToolOutput> {
  const { journal, turn, tools, log } = options;
  const { iteration, position, call } = at;
  const slot = callSlot(iteration, position);
  const recorded = record.results.get(slot);
  if (recorded !== undefined) {
    if (sameCall(recorded, call)) return recorded;
    // Cannot happen while steps are recorded before their calls; running the new call is the honest way on.
    log.warn({ messageId: turn.id, iteration, position, tool: call.name }, 'recorded tool call differs from the replayed one, running it');
  }
  const started = record.started.get(slot);
  if (started !== undefined && sameCall(started, call)) {
    log.warn({ messageId: turn.id, iteration, position, tool: call.name }, 'tool call was cut short by a restart, not running it again');
    const output: ToolOutput = { content: replies.toolInterrupted(call.name) };
    await journal.recordResult(turn.id, iteration, position, { ...output, name: call.name, argumentsJson: call.argumentsJson });
    return output;
  }
  const rerunSafe = tools.isRerunSafe(call.name);
  if (!rerunSafe) await journal.recordStart(turn.id, iteration, position, { name: call.name, argumentsJson: call.argumentsJson });
  log.debug({ tool: call.name, iteration, sessionKey: turn.sessionKey }, 'running tool');
  const output = await tools.invoke(call, { signal: options.signal, sessionKey: turn.sessionKey, turn, callId: `${turn.id}-${iteration}-${position}` });
  await journal.recordResult(turn.id, iteration, position, { ...output, name: call.name, argumentsJson: call.argumentsJson });
  return output;
}
