import type { Config } from '@nanobot/config';
import type { CronStore } from '@nanobot/cron';
import type { Logger } from '@nanobot/log';
import { createSystemPromptBuilder } from './context/build-system-prompt.js';
import { createModelChain, type ModelChain } from './llm/create-model-chain.js';
import { createMemoryConsolidator } from './memory/consolidate-memory.js';
import type { MemoryLock } from './memory/memory-lock.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import { createCronTool } from './tools/cron-tool.js';
import { createFileTools } from './tools/file-tools.js';
import { createPathGuard } from './tools/protected-paths.js';
import { createToolRegistry, type ToolRegistry } from './tools/tool-registry.js';
import { createCommandAnswerer, type CommandAnswerer } from './turn/answer-command.js';
import { createTurnHandler, type HandleTurn } from './turn/create-turn-handler.js';
import { createMessageAnswerer } from './turn/handle-turn.js';
import type { SendReply } from './turn/to-reply.js';

export type AgentDeps = {
  config: Config;
  /** `$NANOBOT_HOME`: its secrets are kept from the model's tools whatever `restrictToWorkspace` says. */
  nanobotHome: string;
  /** The config file, when it is not `$NANOBOT_HOME/config.json`. */
  configPath?: string;
  send: SendReply;
  log: Logger;
  /** For skill requirements (`PATH`, `env`). */
  env: Record<string, string | undefined>;
  runtime: string;
  timeZone: string;
  startedAt: number;
  now?: () => Date;
  /** Scheduled jobs (the cluster's Redis): the `cron` tool is there only with it. */
  cron?: CronStore;
  /** Tests: SDK retries and request timeout per model. */
  modelOptions?: { maxRetries?: number; timeoutMs?: number };
  /** Guards the workspace's MEMORY.md across every process that writes it (default: this process). */
  memoryLock?: MemoryLock;
};

export type Agent = {
  model: ModelChain;
  tools: ToolRegistry;
  sessions: SessionStore;
  commands: CommandAnswerer;
  handleTurn: HandleTurn;
};

/**
 * The agent, the same for the cluster worker and `nanobot agent`: providers with
 * fallbacks, the tool registry with the file tools, context, sessions, memory and
 * commands. Only `send` differs: the outbound queue, or the terminal.
 */
export function createAgent(deps: AgentDeps): Agent {
  const defaults = deps.config.agents.defaults;
  const now = deps.now ?? (() => new Date());
  const workspace = defaults.workspace;
  const model = createModelChain({ config: deps.config, log: deps.log, ...deps.modelOptions });
  const tools = createToolRegistry();
  const pathGuard = createPathGuard({
    workspace,
    nanobotHome: deps.nanobotHome,
    restrictToWorkspace: deps.config.tools.restrictToWorkspace,
    ...(deps.configPath === undefined ? {} : { configPath: deps.configPath }),
  });
  for (const tool of createFileTools(pathGuard)) tools.register(tool);
  if (deps.cron !== undefined) tools.register(createCronTool({ store: deps.cron, timeZone: deps.timeZone, now: () => now().getTime() }));
  const sessions = createSessionStore(workspace);
  const memory = createMemoryConsolidator({ workspace, model, ...(deps.memoryLock === undefined ? {} : { lock: deps.memoryLock }) });
  const systemPrompt = createSystemPromptBuilder({ workspace, runtime: deps.runtime, timeZone: deps.timeZone, now, env: deps.env });
  const commands = createCommandAnswerer({
    send: deps.send,
    sessions,
    memory,
    model: model.model,
    startedAt: deps.startedAt,
    now: () => now().getTime(),
    log: deps.log,
  });
  const answer = createMessageAnswerer({
    send: deps.send,
    sessions,
    model,
    tools,
    memory,
    systemPrompt,
    memoryWindow: defaults.memoryWindow,
    maxToolIterations: defaults.maxToolIterations,
    pathGuard,
    log: deps.log,
    now,
  });
  return { model, tools, sessions, commands, handleTurn: createTurnHandler({ answer, commands }) };
}
