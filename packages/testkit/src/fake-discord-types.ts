/** A user of the fake Discord (the bot or a person). */
export type FakeDiscordUser = { id: string; username: string; bot?: boolean };

export type FakeDiscordAttachment = { id: string; filename: string; size: number; url: string; content_type?: string };

/** A message as the fake stores it and as the API shows it (a subset of Discord's message object). */
export type FakeDiscordMessage = {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeDiscordUser;
  content: string;
  timestamp: string;
  type: number;
  mentions: FakeDiscordUser[];
  attachments: FakeDiscordAttachment[];
  nonce?: string;
  message_reference?: { message_id: string; channel_id?: string };
  /** When the fake stored it (ms). */
  at: number;
};

export type FakeDiscordChannel = {
  id: string;
  /** 1: DM, 0: guild text, 11: public thread. */
  type: number;
  guildId?: string;
  parentId?: string;
  messages: FakeDiscordMessage[];
};

export type InjectOptions = {
  channelId: string;
  author: FakeDiscordUser;
  text: string;
  /** Guild channels: whether the message mentions the bot (adds `<@bot>` and a mention entry). */
  mention?: boolean;
  attachments?: Array<{ filename: string; body: Buffer; contentType?: string }>;
};

export type FakeDiscordStats = {
  identifies: number;
  resumes: number;
  resumed: number;
  invalidSessions: number;
  heartbeats: number;
  catchUpReads: number;
  typing: number;
  /** POST /channels/{id}/messages answered with an existing message (enforce_nonce). */
  nonceHits: number;
};

export type FakeDiscord = {
  token: string;
  bot: FakeDiscordUser;
  /** `channels.discord.apiBase` (http://127.0.0.1:<port>/api/v10). */
  apiBase: string;
  /** The gateway (ws://127.0.0.1:<port>/gateway), as `GET /gateway/bot` answers it. */
  gatewayUrl: string;
  /** A DM channel with `user` (created on first use). */
  dm(user: FakeDiscordUser): string;
  /** A guild text channel (or a thread of `parentId`). */
  guildChannel(id: string, options?: { guildId?: string; parentId?: string }): string;
  /** A user writes: stored, then dispatched as MESSAGE_CREATE to the live session (or buffered for RESUME). */
  inject(options: InjectOptions): FakeDiscordMessage;
  /** Messages the bot sent in `channelId`, in order. */
  sentTo(channelId: string): FakeDiscordMessage[];
  sent(): FakeDiscordMessage[];
  /** Stop answering heartbeats (a zombie connection); the client must notice and reconnect. */
  setZombie(on: boolean): void;
  /**
   * Cut every connection and refuse new ones until restore(). With `expireSessions`, a RESUME
   * after the cut gets INVALID_SESSION (d=false), as after Discord's session timeout: it stands
   * in for waiting out that timeout, and the events of the cut are not replayed.
   */
  cut(options?: { expireSessions?: boolean }): void;
  restore(): void;
  /** Ends the live connections with a close code (4000: resumable). */
  dropConnections(code?: number): void;
  openConnections(): number;
  stats(): FakeDiscordStats;
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
};
