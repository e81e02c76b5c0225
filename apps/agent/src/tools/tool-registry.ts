import { z } from 'zod';
import { AppError, isAppError, type ChannelName } from '@nanobot/core';
import type { ToolCall, ToolSpec } from '../llm/chat-types.js';

/** The message a turn answers: where "this chat" is for the tools. */
export type TurnRef = {
  id: string;
  channel: ChannelName;
  chatId: string;
  threadId?: string;
  /** The source message id (replies quote it). */
  sourceMessageId?: string;
  sessionKey: string;
};

export type ToolContext = {
  signal: AbortSignal;
  sessionKey: string;
  turn?: TurnRef;
  /**
   * The call's id, the same in every run of the turn (`<turn id>-<iteration>-<position>`,
   * unlike the model's call ids): what a tool derives the ids of its effects from.
   */
  callId?: string;
};

/** What a tool call came to; `deliveredToChat`: it sent a message to the turn's own chat. */
export type ToolOutput = { content: string; deliveredToChat?: boolean };

/**
 * One tool: its zod schema is both the JSON Schema the model sees and the
 * validation of what it sends; `execute` only ever gets arguments that passed it.
 */
export type Tool = {
  name: string;
  description: string;
  schema: z.ZodType;
  /**
   * True when running the call again does no harm (it only reads, or its effect carries an id
   * derived from `callId`): a call a crash cut short is then simply run again. Otherwise the
   * re-run turn tells the model the call's outcome is unknown instead of running it twice.
   */
  rerunSafe?: boolean;
  /** Longer results are cut (default: the registry's). */
  maxResultChars?: number;
  /**
   * The JSON Schema the model sees, when it does not come from `schema` (an MCP server's own
   * schema; `schema` then only checks that the arguments are an object and the server checks the rest).
   */
  parameters?: Record<string, unknown>;
  execute(args: unknown, context: ToolContext): Promise<string | ToolOutput>;
};

/** Builds a tool with its argument type inferred from the schema. */
export function defineTool<S extends z.ZodType>(tool: {
  name: string;
  description: string;
  schema: S;
  rerunSafe?: boolean;
  maxResultChars?: number;
  execute(args: z.infer<S>, context: ToolContext): Promise<string | ToolOutput>;
}): Tool {
  // Safe: the registry calls execute only with `schema.parse` output.
  return tool as unknown as Tool;
}

export type ToolRegistryOptions = {
  /** Longer results are cut, with a note saying how much was left out. */
  maxResultChars?: number;
};

export function truncateResult(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n... (truncated, ${text.length - maxChars} more chars)`;
}

function toSpec(tool: Tool): ToolSpec {
  if (tool.parameters !== undefined) return { name: tool.name, description: tool.description, parameters: tool.parameters };
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.schema, { io: 'input' }) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, parameters };
}

function parseArguments(json: string): unknown {
  if (json.trim() === '') return {};
  return JSON.parse(json);
}

/**
 * The tools the model may call. `run` never throws for the model's mistakes
 * (unknown tool, bad JSON, invalid arguments, a failing tool): the model gets an
 * `Error: ...` text and can correct itself, as in nanobot. A cancelled turn and an unreachable
 * Redis (BUS_UNAVAILABLE) throw.
 */
export function createToolRegistry(options: ToolRegistryOptions = {}) {
  const maxResultChars = options.maxResultChars ?? 16_000;
  const tools = new Map<string, Tool>();
  // The JSON Schemas the model sees are converted once, not on every turn.
  let specs: ToolSpec[] | undefined;

  async function invoke(call: ToolCall, context: ToolContext): Promise<ToolOutput> {
    const tool = tools.get(call.name);
    if (tool === undefined) return { content: `Error: Tool '${call.name}' not found. Available: ${[...tools.keys()].join(', ')}` };
    let raw: unknown;
    try {
      raw = parseArguments(call.argumentsJson);
    } catch {
      // The model's JSON is its own mistake; it is told so and may retry.
      return { content: `Error: Invalid parameters for tool '${call.name}': arguments are not valid JSON` };
    }
    const parsed = tool.schema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return { content: `Error: Invalid parameters for tool '${call.name}': ${problems}` };
    }
    try {
      const result = await tool.execute(parsed.data, context);
      const output = typeof result === 'string' ? { content: result } : result;
      return { ...output, content: truncateResult(output.content, tool.maxResultChars ?? maxResultChars) };
    } catch (err) {
      // A cancelled turn ends; Redis away (a `message` that could not be queued) is the cluster's
      // failure, not the tool's: the turn is retried rather than the model told the send failed.
      if (context.signal.aborted || isAppError(err, 'BUS_UNAVAILABLE')) throw err;
      return { content: `Error executing ${call.name}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  return {
    register(tool: Tool): void {
      if (tools.has(tool.name)) throw new AppError('INTERNAL', `tool ${tool.name} is registered twice`);
      tools.set(tool.name, tool);
      specs = undefined;
    },
    /** Takes a tool away (an MCP server that went away); turns that already started keep their specs. */
    unregister(name: string): void {
      if (tools.delete(name)) specs = undefined;
    },
    has: (name: string) => tools.has(name),
    names: () => [...tools.keys()],
    specs: (): ToolSpec[] => (specs ??= [...tools.values()].map(toSpec)),
    /** Runs a call; never throws for the model's mistakes or a failing tool (see above). */
    invoke,
    /** `invoke`, for the result text only. */
    run: async (call: ToolCall, context: ToolContext): Promise<string> => (await invoke(call, context)).content,
    /** See `Tool.rerunSafe`; a call of an unknown tool never ran anything, so it is safe. */
    isRerunSafe(name: string): boolean {
      const tool = tools.get(name);
      return tool === undefined || tool.rerunSafe === true;
    },
  };
}

export type ToolRegistry = ReturnType<typeof createToolRegistry>;
