// Types of soak.mjs for TypeScript callers (test/fault/soak-short.fault.test.ts).
import type { TrafficReport } from '@nanobot/testkit';

export type SoakOptions = {
  minutes: number;
  messages: number;
  chats: number;
  agents: number;
  killMinS: number;
  killMaxS: number;
  maxKills: number;
  redisRestarts: number;
  llmMinMs: number;
  llmMaxMs: number;
  drainS: number;
  quietS: number;
  seed: number;
  logLevel: string;
  keepLogsIn?: string;
  /** Process names a kill may hit (default: every nanobot worker the cluster runs). */
  killable?: string[];
  /** The hook for more channels, e.g. testkit's withFakeWhatsapp. */
  configure?: (config: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;
  onFault?: (fault: SoakFault) => void;
  signal?: AbortSignal;
};

export type SoakFault = {
  kind: 'kill' | 'redis-restart';
  at: number;
  target?: string;
  pid?: number;
  downMs?: number;
  skipped?: string;
  error?: string;
  nextReplyMs?: number | null;
  firstNewReplyMs?: number | null;
  slowestNearbyReplyMs?: number | null;
};

export type Summary = { count: number; failed: number; min: number | null; median: number | null; p90: number | null; max: number | null };

export type SoakResult = {
  options: SoakOptions;
  startedAt: string;
  sendingMs: number;
  drainMs: number;
  sent: number;
  answered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  reorderedChats: number;
  latency: Summary;
  faults: SoakFault[];
  recovery: Record<string, { count: number; nextReply: Summary; firstNewReply: Summary; slowestNearbyReply: Summary }>;
  restarts: Array<{ name: string; pmId: number; status: string; restarts: number }>;
  problems: { lost: unknown[]; duplicated: unknown[]; reorderedChats: unknown[]; otherReplies: unknown[] };
  logLines: string[];
  ok: boolean;
};

export declare const soakDefaults: SoakOptions;
export declare function runSoak(options?: Partial<SoakOptions>): Promise<SoakResult>;
export type { TrafficReport };
