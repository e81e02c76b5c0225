import { z } from 'zod';
import { fallbackModelSchema, modelPresetSchema } from './model-schema.js';
import { discordSchema } from './discord-schema.js';
import { emailSchema } from './email-schema.js';
import { redisSchema } from './redis-schema.js';

/**
 * The shape of `$NANOBOT_HOME/config.json`: nanobot's schema (camelCase) and its defaults, plus
 * the fields this cluster adds (marked "ours"). Every object has defaults, so `{}` is valid.
 * Objects use `prefault({})` so their own field defaults apply when the object is missing.
 */

/** nanobot's default workspace; replaced by `<nanobotHome>/workspace` when not given. */
export const defaultWorkspace = '~/.nanobot/workspace';

const stringList = z.array(z.string()).default([]);
const stringMap = z.record(z.string(), z.string());
const positiveInt = z.number().int().positive();
const port = z.number().int().min(1).max(65535);

const agentDefaultsSchema = z.object({
  workspace: z.string().min(1).default(defaultWorkspace),
  /** A name from `modelPresets`: when set (and not `default`) it wins over model/provider/maxTokens/temperature. */
  modelPreset: z.string().min(1).optional(),
  model: z.string().min(1).default('anthropic/claude-opus-4-5'),
  provider: z.string().min(1).default('auto'),
  maxTokens: positiveInt.default(8192),
  temperature: z.number().min(0).max(2).default(0.1),
  maxToolIterations: positiveInt.default(40),
  memoryWindow: positiveInt.default(100),
  fallbackModels: z.array(fallbackModelSchema).default([]),
  /** Ours: turns of different sessions an agent process runs at once. */
  maxConcurrentTurns: positiveInt.default(3),
  /** Ours: how long one LLM request may take. */
  requestTimeoutS: positiveInt.default(120),
  /** Ours: how long a turn is retried through a model outage before it is parked for `nanobot retry`. */
  retryWindowS: positiveInt.default(600),
});

const providerSchema = z.object({
  /** nanobot writes `null` for "no key" (local servers); it means the same as `""`. */
  apiKey: z.string().nullable().default('').transform((key) => key ?? ''),
  apiBase: z.url().optional(),
  extraHeaders: stringMap.optional(),
  /** nanobot's request API of `providers.openai`: Chat Completions (`chat_completions`, or `chat`) or the Responses API. */
  apiType: z.enum(['auto', 'chat_completions', 'chat', 'responses']).optional(),
  /** nanobot's extra query parameters on every request (e.g. `api-version` for Azure-style gateways). */
  extraQuery: stringMap.optional(),
  /** Ours: the `api-version` query of `providers.azure_openai` (default 2024-10-21); `extraQuery["api-version"]` too. */
  apiVersion: z.string().min(1).optional(),
});

const telegramSchema = z
  .object({
    enabled: z.boolean().default(false),
    token: z.string().default(''),
    allowFrom: stringList,
    proxy: z.string().optional(),
    /** URL of a self-hosted Bot API server (https://core.telegram.org/bots/api#using-a-local-bot-api-server). */
    apiRoot: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    replyToMessage: z.boolean().default(false),
    groupPolicy: z.enum(['mention', 'open']).default('mention'),
    reactEmoji: z.string().optional(),
    /** nanobot's: replies stream into one message that is edited as the answer comes (private chats). */
    streaming: z.boolean().default(true),
    /** nanobot's: seconds between two edits of a streamed reply (nanobot: 0.6; ours 1, Telegram's pace for one chat). */
    streamEditInterval: z.number().min(0.1).max(30).default(1),
    /** Ours: long-polling timeout of getUpdates; Telegram caps it at 50 s. */
    pollTimeoutS: z.number().int().min(0).max(50).default(30),
    /** Ours: received files larger than this (MB) are refused with a line in the chat. */
    maxMediaMb: z.number().positive().max(2048).default(20),
  })
  .superRefine((telegram, ctx) => {
    if (telegram.enabled && telegram.token.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'expected a bot token because channels.telegram.enabled is true, received empty string',
      });
    }
  });

const whatsappSchema = z.object({
  enabled: z.boolean().default(false),
  bridgeUrl: z
    .url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' })
    .default('ws://localhost:3001'),
  bridgeToken: z.string().default(''),
  allowFrom: stringList,
  groupPolicy: z.enum(['mention', 'open']).default('mention'),
  /** Ours: false when the bridge runs elsewhere (another machine, or nanobot's own bridge). */
  runBridge: z.boolean().default(true),
  /** Ours: media larger than this (MB) is not downloaded; the chat is told the file was too large. */
  maxMediaMb: z.number().positive().max(2048).default(20),
});

/** nanobot's `channels.slack` (Socket Mode); `apiBase` is ours and also serves `apps.connections.open`. */
const slackSchema = z
  .object({
    enabled: z.boolean().default(false),
    mode: z.enum(['socket', 'webhook']).default('socket'),
    webhookPath: z.string().default('/slack/events'),
    botToken: z.string().default(''),
    appToken: z.string().default(''),
    userTokenReadOnly: z.boolean().default(true),
    replyInThread: z.boolean().default(true),
    reactEmoji: z.string().optional(),
    doneEmoji: z.string().optional(),
    includeThreadContext: z.boolean().optional(),
    threadContextLimit: positiveInt.optional(),
    allowFrom: stringList,
    groupPolicy: z.enum(['mention', 'open', 'allowlist']).default('mention'),
    groupAllowFrom: stringList,
    groupRequireMention: z.boolean().default(false),
    dm: z
      .object({ enabled: z.boolean().default(true), policy: z.enum(['open', 'allowlist']).default('open'), allowFrom: stringList })
      .prefault({}),
    /** Ours: the Web API root (a proxy, or a test's fake). */
    apiBase: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://slack.com/api/'),
  })
  .superRefine((slack, ctx) => {
    if (!slack.enabled) return;
    for (const [key, prefix] of [['botToken', 'xoxb-'], ['appToken', 'xapp-']] as const) {
      if (slack[key].trim() === '') {
        ctx.addIssue({ code: 'custom', path: [key], message: `expected a ${prefix}… token because channels.slack.enabled is true, received empty string` });
      }
    }
  });

const channelsSchema = z.object({
  telegram: telegramSchema.prefault({}),
  whatsapp: whatsappSchema.prefault({}),
  discord: discordSchema.prefault({}),
  slack: slackSchema.prefault({}),
  email: emailSchema.prefault({}),
  sendProgress: z.boolean().default(true),
  sendToolHints: z.boolean().default(false),
  sendMaxRetries: z.number().int().nonnegative().default(3),
});

/** nanobot's MCP server entry (stdio: command/args/env/cwd; HTTP: url/headers; `type` auto-detected when left out). */
const mcpServerSchema = z.object({
  type: z.enum(['stdio', 'sse', 'streamableHttp']).optional(),
  auth: z.enum(['oauth']).optional(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  headers: stringMap.optional(),
  toolTimeout: positiveInt.default(30),
  enabledTools: z.array(z.string()).optional(),
});

/** A regular expression given in the config; a bad one is a config error naming the field. */
const pattern = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a valid regular expression' },
);

/** nanobot's `tools.exec` (its `ExecToolConfig`). `sandbox*` are accepted and reported as not supported. */
const execSchema = z.object({
  enable: z.boolean().default(true),
  /** Seconds a command may run; 0 = no limit (nanobot's meaning). */
  timeout: z.number().int().min(0).default(60),
  pathPrepend: z.string().default(''),
  pathAppend: z.string().default(''),
  /** Added to nanobot's own deny list. */
  denyPatterns: z.array(pattern).default([]),
  /** When set, only commands whose every part matches one of them run (and they skip the deny list). */
  allowPatterns: z.array(pattern).default([]),
  /** Environment variables passed on to commands besides PATH, HOME, LANG and TERM. */
  allowedEnvKeys: stringList,
  sandbox: z.string().default(''),
  sandboxRoBinds: stringList,
  sandboxRwBinds: stringList,
});

/** nanobot's `tools.web.search`; `baseUrl` overrides any provider's endpoint (required for searxng). */
const webSearchSchema = z.object({
  provider: z.string().default('duckduckgo'),
  apiKey: z.string().default(''),
  baseUrl: z.string().default(''),
  /** Results per search; the tool gives at most 10. */
  maxResults: positiveInt.default(5),
  /** Seconds one search may take. */
  timeout: positiveInt.default(30),
});

const webSchema = z.object({
  enable: z.boolean().default(true),
  proxy: z.string().optional(),
  userAgent: z.string().optional(),
  search: webSearchSchema.prefault({}),
  /** nanobot's Jina Reader switch; pages are always read here, never sent to a third party. */
  fetch: z.object({ useJinaReader: z.boolean().optional() }).prefault({}),
});

const toolsSchema = z.object({
  web: webSchema.prefault({}),
  exec: execSchema.prefault({}),
  restrictToWorkspace: z.boolean().default(false),
  mcpServers: z.record(z.string(), mcpServerSchema).default({}),
  /** CIDR ranges web_fetch may reach although they are private (e.g. `100.64.0.0/10` for Tailscale). */
  ssrfWhitelist: stringList,
});

const gatewaySchema = z.object({
  /** Where the dashboard listens. Ours: loopback by default (nanobot's 0.0.0.0 needs a token here). */
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(18790),
  /** Ours: required to bind beyond loopback; every dashboard request must then carry it. */
  token: z.string().default(''),
  heartbeat: z
    .object({ enabled: z.boolean().default(true), intervalS: positiveInt.default(1800) })
    .prefault({}),
});

/** nanobot's OpenAI-compatible API (`nanobot serve`): loopback by default, a key required beyond it. */
export const apiSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8900),
  /** Per request, in seconds. */
  timeout: z.number().positive().default(120),
  /** `null` means no key, as in nanobot. */
  apiKey: z.string().nullable().default('').transform((key) => key ?? ''),
});

/** Ours. pm2's log files, rotated by pm2-logrotate (installed by `nanobot start`). */
const logsSchema = z.object({
  /** A log file is rotated once it is larger than this. */
  maxSizeMb: positiveInt.max(10_240).default(10),
  /** Rotated files kept per log file; older ones are deleted. */
  retainFiles: positiveInt.max(1000).default(10),
});

/**
 * nanobot's top-level `transcription`: voice and audio become text through the provider's
 * OpenAI-compatible `/audio/transcriptions`; key and `apiBase` come from `providers.<provider>`.
 */
const transcriptionSchema = z.object({
  enabled: z.boolean().default(true),
  provider: z.string().min(1).default('groq'),
  // nanobot's docs write null for "the provider's default" / "detect the language".
  model: z.string().min(1).nullish(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'expected an ISO-639 language code such as "en"')
    .nullish(),
  maxDurationSec: z.number().int().min(1).max(600).default(120),
  maxUploadMb: z.number().int().min(1).max(100).default(25),
});

export const configSchema = z.object({
  agents: z.object({ defaults: agentDefaultsSchema.prefault({}) }).prefault({}),
  providers: z.record(z.string(), providerSchema).default({}),
  channels: channelsSchema.prefault({}),
  tools: toolsSchema.prefault({}),
  transcription: transcriptionSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
  redis: redisSchema.prefault({}),
  modelPresets: z.record(z.string(), modelPresetSchema).default({}),
  /** Absent unless configured: then `nanobot start` runs nanobot-api too. */
  api: apiSchema.optional(),
  logs: logsSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type ToolsConfig = z.infer<typeof toolsSchema>;
export type TranscriptionConfig = z.infer<typeof transcriptionSchema>;
export type ExecConfig = ToolsConfig['exec'];
export type WebConfig = ToolsConfig['web'];
