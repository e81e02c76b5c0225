import { fromLong, toEpochSeconds, type UpsertType, type WaContent, type WaContextInfo, type WaMessage, type WaMessageKey } from './wa-socket.js';

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** A WhatsApp message the bridge will deliver, before media download and sequencing. */
export type Incoming = {
  key: WaMessageKey;
  chatJid: string;
  messageId: string;
  /** nanobot's `sender`: the chat JID (the group for group messages). */
  sender: string;
  /** nanobot's `pn`: the author's phone-number JID when known, else its JID. */
  pn: string;
  participant?: string;
  content: string;
  timestamp: number;
  isGroup: boolean;
  wasMentioned: boolean;
  catchUp: boolean;
  media?: {
    kind: MediaKind;
    mimetype: string;
    fileName?: string;
    /** The size the sender's message declares, when it does: a larger one is not downloaded at all. */
    declaredBytes?: number;
  };
};

export type IncomingVerdict = { kind: 'accept'; incoming: Incoming } | { kind: 'skip'; reason: string };

export type SelfIdentity = { id: string; lid?: string } | undefined;

/** `4915…:12@s.whatsapp.net` → `4915…@s.whatsapp.net` (drops the device part). */
export function toBareJid(jid: string): string {
  const at = jid.indexOf('@');
  if (at < 0) return jid;
  return `${jid.slice(0, at).split(':')[0] ?? ''}${jid.slice(at)}`;
}

const isPhoneJid = (jid: string | null | undefined): jid is string => typeof jid === 'string' && jid.endsWith('@s.whatsapp.net');

/** Ephemeral, view-once and captioned-document wrappers hold the real message inside. */
function unwrap(content: WaContent): WaContent {
  const inner = content.ephemeralMessage?.message ?? content.viewOnceMessage?.message ??
    content.viewOnceMessageV2?.message ?? content.documentWithCaptionMessage?.message;
  return inner ? unwrap(inner) : content;
}

type MediaContent = NonNullable<WaContent['imageMessage']>;

function describeMedia(kind: MediaKind, media: MediaContent, fallbackType: string): NonNullable<Incoming['media']> {
  const declared = fromLong(media.fileLength);
  return { kind, mimetype: media.mimetype ?? fallbackType, ...(declared === undefined ? {} : { declaredBytes: declared }) };
}

function mediaOf(content: WaContent): Incoming['media'] {
  if (content.imageMessage) return describeMedia('image', content.imageMessage, 'image/jpeg');
  if (content.videoMessage) return describeMedia('video', content.videoMessage, 'video/mp4');
  if (content.audioMessage) return describeMedia('audio', content.audioMessage, 'audio/ogg');
  if (content.stickerMessage) return describeMedia('sticker', content.stickerMessage, 'image/webp');
  const doc = content.documentMessage;
  if (doc) return { ...describeMedia('document', doc, 'application/octet-stream'), ...(doc.fileName ? { fileName: doc.fileName } : {}) };
  return undefined;
}

function textOf(content: WaContent): string {
  return content.conversation ?? content.extendedTextMessage?.text ?? content.imageMessage?.caption ??
    content.videoMessage?.caption ?? content.documentMessage?.caption ?? '';
}

function contextOf(content: WaContent): WaContextInfo | undefined {
  return content.extendedTextMessage?.contextInfo ?? content.imageMessage?.contextInfo ??
    content.videoMessage?.contextInfo ?? content.documentMessage?.contextInfo ?? undefined;
}

function mentionsSelf(context: WaContextInfo | undefined, self: SelfIdentity): boolean {
  if (context === undefined || self === undefined) return false;
  const mine = new Set([toBareJid(self.id), ...(self.lid ? [toBareJid(self.lid)] : [])]);
  if (context.participant && mine.has(toBareJid(context.participant))) return true; // a reply to us
  return (context.mentionedJid ?? []).some((jid) => mine.has(toBareJid(jid)));
}

/** Which phone-number JID wrote the message; Baileys 7 may address by LID and give the PN as "Alt". */
function authorOf(key: WaMessageKey, isGroup: boolean): string {
  const primary = isGroup ? key.participant : key.remoteJid;
  const alt = isGroup ? key.participantAlt : key.remoteJidAlt;
  if (isPhoneJid(primary)) return toBareJid(primary);
  if (isPhoneJid(alt)) return toBareJid(alt);
  return toBareJid(primary ?? '');
}

export type ToIncomingOptions = {
  self: SelfIdentity;
  type: UpsertType;
  nowMs: number;
  /** `append` upserts (received while we were away) older than this are history, not news (F6). */
  catchUpMaxAgeMs: number;
};

/** Decides whether an upserted message is delivered to the worker, and what it says. */
export function toIncoming(message: WaMessage, options: ToIncomingOptions): IncomingVerdict {
  const { key } = message;
  const chatJid = key.remoteJid;
  if (!chatJid || !key.id) return { kind: 'skip', reason: 'no chat or message id' };
  if (key.fromMe) return { kind: 'skip', reason: 'own message' };
  if (chatJid === 'status@broadcast' || chatJid.endsWith('@newsletter')) return { kind: 'skip', reason: 'status or channel post' };
  if (!message.message) return { kind: 'skip', reason: 'no content' };
  const content = unwrap(message.message);
  const text = textOf(content);
  const media = mediaOf(content);
  if (text === '' && media === undefined) return { kind: 'skip', reason: 'not a text or media message' };
  const timestamp = toEpochSeconds(message.messageTimestamp) ?? Math.floor(options.nowMs / 1000);
  const catchUp = options.type === 'append';
  if (catchUp && options.nowMs - timestamp * 1000 > options.catchUpMaxAgeMs) {
    return { kind: 'skip', reason: 'catch-up message older than the window' };
  }
  const isGroup = chatJid.endsWith('@g.us');
  const incoming: Incoming = {
    key, chatJid, messageId: key.id, sender: chatJid, pn: authorOf(key, isGroup), content: text, timestamp, isGroup,
    wasMentioned: isGroup && mentionsSelf(contextOf(content), options.self), catchUp,
    ...(isGroup && key.participant ? { participant: key.participant } : {}),
    ...(media ? { media } : {}),
  };
  return { kind: 'accept', incoming };
}
