/** A message in a conversation of the fake workspace (users' and ours). */
export type FakeSlackMessage = {
  channel: string;
  ts: string;
  text: string;
  user: string;
  threadTs?: string;
  /** Ours: posted by the bot through chat.postMessage. */
  bot: boolean;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** When it was posted (ms). */
  at: number;
};

export type FakeSlackInject = {
  channel: string;
  user: string;
  text: string;
  /** Inside this thread (its root ts). */
  threadTs?: string;
  /** `<@bot>` in front of the text, and an `app_mention` envelope besides the `message` one, as Slack does. */
  mention?: boolean;
  /** Files shared with the message (subtype `file_share`), served at `url_private_download` to the bot token only. */
  files?: Array<{ name: string; mimetype: string; content: string }>;
};

/** What a chat.postMessage does on its next call. */
export type FakeSlackPostFault =
  /** Posts the message, then drops the connection without an answer. */
  | 'post-then-drop'
  /** Answers HTTP 503 and posts nothing. */
  | 'unavailable'
  /** Answers 429 with Retry-After: 1 and posts nothing. */
  | 'rate-limited';

export type FakeSlackOptions = {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  /** How long an envelope may stay unacknowledged before it is sent again (Slack: 3 s). */
  ackTimeoutMs?: number;
  /** Waits before the 1st, 2nd, … retry of an unacknowledged envelope (Slack: about 0, 60 s, 300 s); its length is the number of retries. */
  retryDelaysMs?: number[];
  /** How often the server pings each connection (Slack: every few seconds). */
  pingIntervalMs?: number;
};

export type FakeSlackEnvelopeLog = { envelopeId: string; eventId: string; eventType: string; retryAttempt: number; retryReason: string | null; at: number };

export type FakeSlack = {
  /** Web API root for `channels.slack.apiBase`. */
  apiBase: string;
  botToken: string;
  appToken: string;
  botUserId: string;
  /** A user writes: queues one envelope (two for a mention in a channel). Returns the message ts. */
  injectMessage(input: FakeSlackInject): string;
  /** A message that was there before (no envelope): the root of a thread users then write in. Returns its ts. */
  startThread(channel: string, user: string, text: string): string;
  /** Messages of a conversation (a thread's root ts narrows it to that thread), oldest first. */
  messages(channel: string, threadTs?: string): FakeSlackMessage[];
  /** Every message the bot posted, in posting order. */
  sent(): FakeSlackMessage[];
  /** Every envelope sent over a socket (retries included). */
  deliveries(): FakeSlackEnvelopeLog[];
  /** Envelope ids acknowledged, and those Slack gave up on after its last retry. */
  acked(): string[];
  givenUp(): string[];
  pendingEnvelopes(): number;
  openConnections(): number;
  /** connections.open calls that returned a URL. */
  connectionsOpened(): number;
  /** Next chat.postMessage calls fail like this, one fault per call. */
  failNextPosts(...faults: FakeSlackPostFault[]): void;
  /** While true, acknowledgements are received and thrown away: every envelope is retried. */
  ignoreAcks(on: boolean): void;
  /** While true, connections stay open but the server neither pings nor answers pings (a zombie connection). */
  goSilent(on: boolean): void;
  /** Cuts every connection at once (no `disconnect` message); until restore() connections.open answers 503. */
  cut(): void;
  restore(): void;
  /** Sends `disconnect` (reason `refresh_requested` or `link_disabled`) to every connection and closes them after `afterMs`. */
  sendDisconnect(reason: 'refresh_requested' | 'link_disabled' | 'warning', afterMs?: number): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};
