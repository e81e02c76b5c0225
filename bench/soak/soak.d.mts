// Types of soak.mjs for TypeScript callers (test/fault/soak-short.fault.test.ts).
import type { TrafficReport } from '@nanobot/testkit';

export type SoakOptions = {
  minutes: number;
  messages: number;
  /** All chats; `whatsappChats`, `discordChats`, `slackChats` and `emailChats` of them go to those channels when on, the rest to Telegram. */
  chats: number;
  /** WhatsApp traffic through a fake bridge, bridge restarts, the WhatsApp worker among the kill targets (default on). */
  whatsapp: boolean;
  whatsappChats: number;
  /** Discord DMs through a fake gateway and REST API, the Discord worker among the kill targets (default on). */
  discord: boolean;
  discordChats: number;
  /** Slack DMs through a fake Socket Mode server and Web API, the Slack worker among the kill targets (default on). */
  slack: boolean;
  slackChats: number;
  /** Email senders with mail through a real Dovecot and replies to an SMTP sink, Dovecot restarts, the email worker among the kill targets (default on). */
  email: boolean;
  emailChats: number;
  agents: number;
  killMinS: number;
  killMaxS: number;
  maxKills: number;
  redisRestarts: number;
  bridgeRestarts: number;
  /** How long the fake bridge stays down in a bridge restart. */
  bridgeDownS: number;
  imapRestarts: number;
  /** How long Dovecot stays down in an IMAP restart. */
  imapDownS: number;
  llmMinMs: number;
  llmMaxMs: number;
  drainS: number;
  quietS: number;
  seed: number;
  logLevel: string;
  keepLogsIn?: string;
  /** Process names a kill may hit (default: every nanobot worker the cluster runs). */
  killable?: string[];
  /** More config changes, applied after the soak has added its channels. */
  configure?: (config: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;
  onFault?: (fault: SoakFault) => void;
  signal?: AbortSignal;
};

export type ChannelName = 'telegram' | 'whatsapp' | 'discord' | 'slack' | 'email';

export type FaultRecovery = { nextReplyMs: number | null; firstNewReplyMs: number | null; slowestNearbyReplyMs: number | null };

export type SoakFault = {
  kind: 'kill' | 'redis-restart' | 'bridge-restart' | 'imap-restart';
  at: number;
  target?: string;
  pid?: number;
  downMs?: number;
  /** Bridge restarts: message frames not acknowledged by the worker when the bridge stopped, and when it came back. */
  unackedAtStop?: number;
  unackedAtStart?: number;
  skipped?: string;
  error?: string;
  /** How each channel recovered from this fault. */
  recovery?: Partial<Record<ChannelName, FaultRecovery>>;
};

export type Summary = { count: number; failed: number; min: number | null; median: number | null; p90: number | null; max: number | null };

export type KindRecovery = { count: number; nextReply: Summary; firstNewReply: Summary; slowestNearbyReply: Summary };

export type ChannelResult = {
  chats: number;
  sent: number;
  answered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  reorderedChats: number;
  latency: Summary;
  drainMs: number;
  /** Per fault kind (`kill -9 <process>`, `redis-restart`, `bridge-restart`). */
  recovery: Record<string, KindRecovery>;
  problems: { lost: unknown[]; duplicated: unknown[]; reorderedChats: unknown[]; otherReplies: unknown[] };
  /** WhatsApp: send frames the bridge got more than once (resends it dropped); frames still unacked at the end. */
  resentSends?: number;
  unackedAtEnd?: number;
  /** Email: mails the deliverer never got into the INBOX. */
  undeliveredMails?: number;
};

export type SoakResult = {
  options: SoakOptions;
  startedAt: string;
  sendingMs: number;
  drainMs: number;
  /** Totals over the channels. */
  sent: number;
  answered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  reorderedChats: number;
  channels: Partial<Record<ChannelName, ChannelResult>>;
  faults: SoakFault[];
  restarts: Array<{ name: string; pmId: number; status: string; restarts: number }>;
  logLines: string[];
  ok: boolean;
};

export declare const soakDefaults: SoakOptions;
export declare function runSoak(options?: Partial<SoakOptions>): Promise<SoakResult>;
export type { TrafficReport };
