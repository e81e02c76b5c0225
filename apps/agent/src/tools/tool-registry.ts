import { z } from 'zod';
import { AppError } from '@nanobot/core';
import type { ToolCall, ToolSpec } from '../llm/chat-types.js';

export type ToolContext = {
  signal: AbortSignal;
  sessionKey: string;
};

/**
 * One tool: its zod schema is both the JSON Schema the model sees and the
 * validation of what it sends; `execute` only ever gets arguments that passed it.
 */
export type Tool = {
  name: string;
  description: string;
  schema: z.ZodType;
  execute(args: unknown, context: ToolContext): Promise<string>;
};

/** Builds a tool with its argument type inferred from the schema. */
export function defineTool<S extends z.ZodType>(tool: {
  name: string;
  description: string;
  schema: S;
  execute(args: z.infer<S>, context: ToolContext): Promise<string>;
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
 * `Error: ...` text and can correct itself, as in nanobot. A cancelled turn throws.
 */
export function createToolRegistry(options: ToolRegistryOptions = {}) {
  const maxResultChars = options.maxResultChars ?? 16_000;
  const tools = new Map<string, Tool>();
  // The JSON Schemas the model sees are converted once, not on every turn.
  let specs: ToolSpec[] | undefined;

  async function run(call: ToolCall, context: ToolContext): Promise<string> {
    const tool = tools.get(call.name);
    if (tool === undefined) return `Error: Tool '${call.name}' not found. Available: ${[...tools.keys()].join(', ')}`;
    let raw: unknown;
    try {
      raw = parseArguments(call.argumentsJson);
    } catch {
      // The model's JSON is its own mistake; it is told so and may retry.
      return `Error: Invalid parameters for tool '${call.name}': arguments are not valid JSON`;
    }
    const parsed = tool.schema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return `Error: Invalid parameters for tool '${call.name}': ${problems}`;
    }
    try {
      return truncateResult(await tool.execute(parsed.data, context), maxResultChars);
    } catch (err) {
      if (context.signal.aborted) throw err;
      return `Error executing ${call.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  return {
    register(tool: Tool): void {
      if (tools.has(tool.name)) throw new AppError('INTERNAL', `tool ${tool.name} is registered twice`);
      tools.set(tool.name, tool);
      specs = undefined;
    },
    has: (name: string) => tools.has(name),
    names: () => [...tools.keys()],
    specs: (): ToolSpec[] => (specs ??= [...tools.values()].map(toSpec)),
    run,
  };
}

export type ToolRegistry = ReturnType<typeof createToolRegistry>;
