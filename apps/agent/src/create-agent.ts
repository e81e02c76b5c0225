import type { Config } from '@nanobot/config';
import type { ChannelName } from '@nanobot/core';
import type { CronStore } from '@nanobot/cron';
import type { Logger } from '@nanobot/log';
import { createSystemPromptBuilder } from './context/build-system-prompt.js';
import { createRuntimeContext } from './context/runtime-context.js';
import type { ModelChain } from './llm/create-model-chain.js';
import { createModelRouter, toCurrentModel, type ModelRouter } from './llm/create-model-router.js';
import type { ModelSelections } from './llm/model-selections.js';
import { createMessagePreparer } from './media/prepare-message.js';
import { createTranscriber } from './media/transcribe.js';
import { createMemoryConsolidator } from './memory/consolidate-memory.js';
import type { MemoryLock } from './memory/memory-lock.js';
import { createSessionStore, type SessionStore } from './session-store.js';
import { createCronTool } from './tools/cron-tool.js';
import { createExecTool } from './tools/exec-tool.js';
import { createFileTools } from './tools/file-tools.js';
import { createMcpServers, type McpServers } from './tools/mcp/mcp-servers.js';
import { createMessageTool } from './tools/message-tool.js';
import { createPathGuard, type PathGuard } from './tools/protected-paths.js';
import { createProcessGroups, type ProcessGroups } from './tools/run-command.js';
import { checkCommandUrls, createSsrfGuard, type Resolve } from './tools/ssrf-guard.js';
import { createMemoryToolJournal, type ToolCallJournal } from './tools/tool-call-journal.js';
import { createToolRegistry, type ToolRegistry } from './tools/tool-registry.js';
import { createWebFetchTool } from './tools/web-fetch-tool.js';
import { createWebSearchTool, toSearchSetup } from './tools/web-search-tool.js';
import { createSpawnTool } from './subagent/spawn-tool.js';
import type { SubagentJob } from './subagent/subagent-job.js';
import { createCommandAnswerer, type CommandAnswerer } from './turn/answer-command.js';
import { createTurnHandler, type HandleTurn } from './turn/create-turn-handler.js';
import { createMessageAnswerer } from './turn/handle-turn.js';
import { streamIntervalFor } from './turn/stream-policy.js';
import { createProgressSender } from './turn/progress-hints.js';
import { toReply, type SendReply } from './turn/to-reply.js';

export type AgentDeps = {
  config: Config;
  /** `$NANOBOT_HOME`: its secrets are kept from the model's tools whatever `restrictToWorkspace` says. */
  nanobotHome: string;
  /** The config file, when it is not `$NANOBOT_HOME/config.json`. */
  configPath?: string;
  /** `PM2_HOME`, when set: pm2's folder is kept from the model's tools like `$NANOBOT_HOME`'s secrets. */
  pm2Home?: string;
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
  /** Each session's `/model` choice (the cluster's Redis; default: this process). */
  modelSelections?: ModelSelections;
  /** Guards the workspace's MEMORY.md across every process that writes it (default: this process). */
  memoryLock?: MemoryLock;
  /** Tool-call records of the turns in progress (the cluster's Redis; default: this process). */
  journal?: ToolCallJournal;
  /** Reaches any chat (the cluster's outbound queues): the `message` tool's cross-chat sends. */
  sendElsewhere?: SendReply;
  /** The terminal chat prints answers as they stream in, at this interval (local `nanobot agent`). */
  cliStreamIntervalMs?: number;
  /** Called after each model answer of a turn, before anything is done with it (the cluster's job fence). */
  afterModelCall?: () => Promise<void>;
  /** The agent is stopping: running `exec` commands are killed, new ones refused. */
  shutdown?: AbortSignal;
  /** Tests: how web_fetch resolves host names. */
  resolveHost?: Resolve;
  /** Queues a background subagent (the cluster's `subagent` queue): the `spawn` tool is there only with it. */
  startSubagent?: (job: SubagentJob) => Promise<void>;
  /** Tests: the MCP servers' timing (ping interval, backoff). */
  mcpTiming?: { pingIntervalMs?: number; connectTimeoutMs?: number; delayMs?: (failures: number) => number };
  /** `/restart` (the cluster's control channel); without it `/restart` says there is nothing to restart. */
  restartChannel?: (channel: ChannelName, reason: string) => Promise<number>;
};

export type Agent = {
  /** The model chain of the config in force (it follows a reload). */
  model: ModelChain;
  /** Chains per session (`/model`), circuit breakers, and `update` for a reloaded config. */
  models: ModelRouter;
  tools: ToolRegistry;
  /** A subagent's tools: files, exec and web (no message, spawn or cron). */
  subagentTools: ToolRegistry;
  /** Kills every running `exec` command and MCP server with what it started (synchronous: fit for an exit handler); how many. */
  killCommands(): number;
  /** The MCP servers of `tools.mcpServers`, connecting from the start; `stop()` once the turns in hand are done. */
  mcp: McpServers;
  sessions: SessionStore;
  commands: CommandAnswerer;
  handleTurn: HandleTurn;
};

function fencedModel(model: ModelChain, after: (() => Promise<void>) | undefined): ModelChain {
  if (after === undefined) return model;
  return {
    ...model,
    async complete(request, options) {
      const result = await model.complete(request, options);
      await after();
      return result;
    },
  };
}

/**
 * The agent, the same for the cluster worker and `nanobot agent`: providers with
 * fallbacks, the tool registry with the file tools, context, sessions, memory and
 * commands. Only `send` differs: the outbound queue, or the terminal.
 */
export function createAgent(deps: AgentDeps): Agent {
  const defaults = deps.config.agents.defaults;
  const now = deps.now ?? (() => new Date());
  const workspace = defaults.workspace;
  const models = createModelRouter({
    config: deps.config,
    log: deps.log,
    ...(deps.modelSelections === undefined ? {} : { selections: deps.modelSelections }),
    ...(deps.modelOptions === undefined ? {} : { modelOptions: deps.modelOptions }),
  });
  const model = toCurrentModel(models);
  const tools = createToolRegistry();
  const pathGuard = createPathGuard({
    workspace,
    nanobotHome: deps.nanobotHome,
    restrictToWorkspace: deps.config.tools.restrictToWorkspace,
    ...(deps.configPath === undefined ? {} : { configPath: deps.configPath }),
    ...(deps.pm2Home === undefined ? {} : { pm2Home: deps.pm2Home }),
    // The client key (and its certificate) of a TLS Redis: wherever they live, the model's tools may not read them.
    secretFiles: [deps.config.redis.tls?.key, deps.config.redis.tls?.cert].filter((file) => file !== undefined),
  });
  const groups = createProcessGroups();
  const transcriber = createTranscriber(deps.config, deps.modelOptions ?? {});
  registerTools(deps, { tools, pathGuard, groups });
  const subagentTools = createToolRegistry();
  registerWorkTools(deps, { tools: subagentTools, pathGuard, groups, quiet: true });
  const mcp = createMcpServers({ servers: deps.config.tools.mcpServers, tools, log: deps.log, agentEnv: deps.env, workspace, ...deps.mcpTiming });
  const sessions = createSessionStore(workspace);
  const memory = createMemoryConsolidator({ workspace, model, ...(deps.memoryLock === undefined ? {} : { lock: deps.memoryLock }) });
  const systemPrompt = createSystemPromptBuilder({ workspace, runtime: deps.runtime, timeZone: deps.timeZone, now, env: deps.env });
  const commands = createCommandAnswerer({
    send: deps.send,
    sessions,
    memory,
    models,
    startedAt: deps.startedAt,
    now: () => now().getTime(),
    log: deps.log,
    ...(deps.restartChannel === undefined ? {} : { restartChannel: deps.restartChannel }),
  });
  const answerWith = (turnModel: ModelChain) => createMessageAnswerer({
    send: deps.send,
    sessions,
    model: fencedModel(turnModel, deps.afterModelCall),
    tools,
    journal: deps.journal ?? createMemoryToolJournal(),
    memory,
    systemPrompt,
    runtimeContext: createRuntimeContext({ now, timeZone: deps.timeZone }),
    memoryWindow: defaults.memoryWindow,
    maxToolIterations: defaults.maxToolIterations,
    pathGuard,
    log: deps.log,
    now,
    streamIntervalMs: (message) =>
      streamIntervalFor(message, { telegram: deps.config.channels.telegram, ...(deps.cliStreamIntervalMs === undefined ? {} : { cliIntervalMs: deps.cliStreamIntervalMs }) }),
    onStep: createProgressSender({ send: deps.send, sendProgress: deps.config.channels.sendProgress, sendToolHints: deps.config.channels.sendToolHints }),
    prepare: createMessagePreparer({
      ...(transcriber === undefined ? {} : { transcriber }),
      notify: deps.send,
      toNotice: (message, text, part) => ({ ...toReply(message, text, part), format: 'plain' }),
      log: deps.log,
    }),
  });
  // The session's model is taken when its turn starts and kept for the whole turn.
  const answer: Parameters<typeof createTurnHandler>[0]['answer'] = async (message, context) =>
    answerWith(await models.forSession(message.sessionKey))(message, context);
  return { model, models, tools, subagentTools, killCommands: () => groups.killAll() + mcp.killAll(), mcp, sessions, commands, handleTurn: createTurnHandler({ answer, commands }) };
}

type ToolParts = { tools: ToolRegistry; pathGuard: PathGuard; groups: ProcessGroups; quiet?: boolean };

/** nanobot's tool set: files, exec, web_search, web_fetch, message, cron, spawn; `enable: false` leaves a group out. */
function registerTools(deps: AgentDeps, parts: ToolParts): void {
  const { tools } = parts;
  const now = deps.now ?? (() => new Date());
  registerWorkTools(deps, parts);
  const channels = deps.config.channels;
  const enabledChannels = (['telegram', 'whatsapp', 'discord', 'slack', 'email'] as const).filter((c) => channels[c].enabled);
  tools.register(createMessageTool({ send: deps.send, enabledChannels, guard: parts.pathGuard, ...(deps.sendElsewhere === undefined ? {} : { sendElsewhere: deps.sendElsewhere }) }));
  if (deps.cron !== undefined) tools.register(createCronTool({ store: deps.cron, timeZone: deps.timeZone, now: () => now().getTime() }));
  if (deps.startSubagent !== undefined) tools.register(createSpawnTool({ start: deps.startSubagent }));
}

/** What a subagent may use too: files, exec, web_search, web_fetch. */
function registerWorkTools(deps: AgentDeps, parts: ToolParts): void {
  const { tools, pathGuard, groups } = parts;
  const config = deps.config.tools;
  for (const tool of createFileTools(pathGuard)) tools.register(tool);
  const ssrf = createSsrfGuard({ whitelist: config.ssrfWhitelist, ...(deps.resolveHost === undefined ? {} : { resolve: deps.resolveHost }) });
  if (config.exec.enable) {
    tools.register(
      createExecTool({
        config: config.exec,
        guard: pathGuard,
        restrictToWorkspace: config.restrictToWorkspace,
        env: deps.env,
        groups,
        checkUrls: (command) => checkCommandUrls(ssrf, command),
        ...(deps.shutdown === undefined ? {} : { shutdown: deps.shutdown }),
      }),
    );
  }
  if (config.web.enable) {
    const search = toSearchSetup(config.web, deps.env);
    if (search.fallback !== undefined && parts.quiet !== true) deps.log.warn({ provider: config.web.search.provider }, `web_search uses DuckDuckGo: ${search.fallback}`);
    tools.register(createWebSearchTool(search));
    tools.register(createWebFetchTool({ guard: ssrf, ...(config.web.userAgent === undefined ? {} : { userAgent: config.web.userAgent }) }));
  }
}
