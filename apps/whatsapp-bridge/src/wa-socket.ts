/**
 * The part of a Baileys socket the bridge uses, as our own structural types, so the bridge
 * can be tested with a fake socket and compiled without Baileys' large type graph.
 * Field names follow Baileys 7 (https://baileys.wiki/docs/socket/receiving-updates).
 */

export type WaMessageKey = {
  remoteJid?: string | null;
  id?: string | null;
  fromMe?: boolean | null;
  participant?: string | null;
  /** Baileys 7: the phone-number JID when remoteJid is a LID (and the reverse). */
  remoteJidAlt?: string;
  participantAlt?: string;
};

export type WaContextInfo = {
  mentionedJid?: string[] | null;
  participant?: string | null;
  stanzaId?: string | null;
};

type Media = {
  caption?: string | null;
  mimetype?: string | null;
  contextInfo?: WaContextInfo | null;
  /** Size the sender declared (bytes; protobufjs Long or a number). */
  fileLength?: WaTimestamp;
};

export type WaContent = {
  conversation?: string | null;
  extendedTextMessage?: { text?: string | null; contextInfo?: WaContextInfo | null } | null;
  imageMessage?: Media | null;
  videoMessage?: Media | null;
  audioMessage?: (Media & { ptt?: boolean | null }) | null;
  documentMessage?: (Media & { fileName?: string | null }) | null;
  stickerMessage?: Media | null;
  ephemeralMessage?: { message?: WaContent | null } | null;
  viewOnceMessage?: { message?: WaContent | null } | null;
  viewOnceMessageV2?: { message?: WaContent | null } | null;
  documentWithCaptionMessage?: { message?: WaContent | null } | null;
  protocolMessage?: unknown;
  reactionMessage?: unknown;
};

/** protobufjs Long or a number. */
export type WaTimestamp = number | { toNumber(): number } | null | undefined;

export type WaMessage = {
  key: WaMessageKey;
  message?: WaContent | null;
  messageTimestamp?: WaTimestamp;
  pushName?: string | null;
};

export type ConnectionUpdate = {
  connection?: 'open' | 'connecting' | 'close';
  qr?: string;
  /** A Boom error: the WhatsApp close code is in `output.statusCode`. */
  lastDisconnect?: { error?: unknown };
};

export type UpsertType = 'notify' | 'append';

export type WaSocketEvents = {
  'connection.update': ConnectionUpdate;
  'creds.update': unknown;
  'messages.upsert': { messages: WaMessage[]; type: UpsertType };
};

export type WaOutgoing =
  | { text: string }
  | { image: { url: string }; caption?: string; mimetype?: string }
  | { video: { url: string }; caption?: string; mimetype?: string }
  | { audio: { url: string }; mimetype?: string }
  | { document: { url: string }; mimetype: string; fileName?: string; caption?: string };

/** Baileys' `sendMessage` options we use: `messageId` overrides the random id of the message. */
export type WaSendOptions = { messageId?: string };

export type WaSocket = {
  ev: { on<E extends keyof WaSocketEvents>(event: E, listener: (payload: WaSocketEvents[E]) => void): void };
  user?: { id: string; lid?: string } | undefined;
  sendMessage(jid: string, content: WaOutgoing, options?: WaSendOptions): Promise<unknown>;
  readMessages(keys: WaMessageKey[]): Promise<void>;
  end(err: Error | undefined): void;
  /**
   * Decrypts and downloads the media of a message as a stream (Baileys' downloadMediaMessage
   * with 'stream'), so the bridge can write it to disk and stop at its size cap; ending the
   * iteration early destroys the stream and stops the download.
   */
  downloadMedia(message: WaMessage): Promise<AsyncIterable<Uint8Array>>;
};

/** Credentials and signal keys, opaque to the bridge; only the socket factory looks inside. */
export type WaAuth = { state: unknown; saveCreds(): Promise<void> };

export type SocketFactory = (auth: WaAuth) => Promise<WaSocket>;

/** WhatsApp close codes (Baileys DisconnectReason). */
export const closeCodes = {
  loggedOut: 401,
  connectionReplaced: 440,
  restartRequired: 515,
} as const;

export function closeCodeOf(update: ConnectionUpdate): number | undefined {
  const error = update.lastDisconnect?.error as { output?: { statusCode?: unknown } } | undefined;
  const code = error?.output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A protobufjs Long (or a number) as a number; undefined when absent. */
export function fromLong(value: WaTimestamp): number | undefined {
  if (typeof value === 'number') return value;
  if (value !== null && value !== undefined && typeof value.toNumber === 'function') return value.toNumber();
  return undefined;
}

export const toEpochSeconds = (timestamp: WaTimestamp): number | undefined => fromLong(timestamp);
