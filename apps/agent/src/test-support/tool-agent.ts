import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import type { FakeLlm, LlmRequest } from '@nanobot/testkit';
import { createAgent, type Agent, type AgentDeps } from '../create-agent.js';
import type { ToolCallJournal } from '../tools/tool-call-journal.js';

/** Tests only: an agent with nanobot's tools on a temporary NANOBOT_HOME, answering through the fake LLM. */

export const silentLog = createLogger({ name: 'test', level: 'silent' });

export type ToolAgent = {
  agent: Agent;
  home: string;
  workspace: string;
  /** Replies and messages to the turn's chat. */
  sent: OutboundMessage[];
  /** Messages the `message` tool sent to other chats. */
  elsewhere: OutboundMessage[];
  message(text: string, overrides?: Partial<InboundMessage>): InboundMessage & { kind: 'message' };
};

export type ToolAgentOptions = {
  tools?: Record<string, unknown>;
  channels?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  journal?: ToolCallJournal;
  shutdown?: AbortSignal;
  resolveHost?: AgentDeps['resolveHost'];
  mcpTiming?: AgentDeps['mcpTiming'];
  /** An existing home (a second agent on the same files, as after a restart). */
  home?: string;
};

let seq = 0;

export async function createToolAgent(llm: FakeLlm, options: ToolAgentOptions = {}): Promise<ToolAgent> {
  const home = options.home ?? join(await mkdtemp(join(tmpdir(), 'nb-tools-')), 'home');
  const workspace = join(home, 'workspace');
  await mkdir(workspace, { recursive: true });
  await writeFile(join(home, 'config.json'), JSON.stringify({ providers: { custom: { apiKey: 'sk-config-secret-1' } } }));
  const raw = {
    agents: { defaults: { workspace, provider: 'custom', model: 'test-model' } },
    providers: { custom: { apiBase: llm.baseUrl } },
    tools: options.tools ?? {},
    channels: options.channels ?? {},
  };
  const config = parseConfig(raw, { env: {}, homeDir: home, nanobotHome: home, source: 'test' }).config;
  const sent: OutboundMessage[] = [];
  const elsewhere: OutboundMessage[] = [];
  const agent = createAgent({
    config,
    nanobotHome: home,
    send: async (reply) => void sent.push(reply),
    sendElsewhere: async (reply) => void elsewhere.push(reply),
    log: silentLog,
    env: options.env ?? { PATH: process.env['PATH'], HOME: home },
    runtime: 'test',
    timeZone: 'UTC',
    startedAt: Date.now(),
    modelOptions: { maxRetries: 0 },
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.shutdown === undefined ? {} : { shutdown: options.shutdown }),
    ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
    ...(options.mcpTiming === undefined ? {} : { mcpTiming: options.mcpTiming }),
  });
  const message = (text: string, overrides: Partial<InboundMessage> = {}) => {
    seq += 1;
    const base = { kind: 'message' as const, id: `m-${process.pid}-${seq}`, channel: 'telegram' as const, chatId: '42', senderId: '7', sessionKey: 'telegram:42', seq, receivedAt: 0, text, media: [] };
    return { ...base, ...overrides } as InboundMessage & { kind: 'message' };
  };
  return { agent, home, workspace, sent, elsewhere, message };
}

type ToolMessage = { role: string; content: unknown; tool_call_id?: string };

/** The tool results the model was sent, in order, over the given requests. */
export const toolResults = (requests: LlmRequest[]): string[] =>
  requests.flatMap((r) => ((r.body as { messages?: ToolMessage[] } | null)?.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content)));

/** The tool results of the last request (each result appears in every later request of the turn). */
export const lastToolResults = (llm: FakeLlm): string[] => toolResults(llm.requests().slice(-1));

export const signal: AbortSignal = new AbortController().signal;
