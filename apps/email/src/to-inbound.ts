import { toSessionKey, type InboundMessage } from '@nanobot/core';

/** `channels.email` as the worker applies it to one received mail. */
export type InboundPolicy = {
  allowFrom: string[];
  /** Our own addresses (fromAddress, smtpUsername, imapUsername): mail from them is never a turn. */
  selfAddresses: string[];
  verifyDkim: boolean;
  verifySpf: boolean;
  maxBodyChars: number;
};

/** The part of a parsed mail (mailparser) the worker reads. */
export type ReceivedMail = {
  from?: string;
  subject?: string;
  date?: string;
  messageId?: string;
  /** Every Authentication-Results header, as received. */
  authResults: string[];
  text?: string;
  html?: string;
};

export type MailVerdict = { kind: 'accept'; message: InboundMessage } | { kind: 'ignore'; reason: string };

/** `Name <a@b>` or `a@b` → `a@b`, lower case; '' when there is no address. */
export function normalizeAddress(value: string | undefined): string {
  const raw = (value ?? '').trim();
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(raw)?.[1];
  const bare = angle ?? (/^[^\s<>]+@[^\s<>]+$/.test(raw) ? raw : '');
  return bare.toLowerCase();
}

/** nanobot's allowFrom on the From address: empty denies everyone, `*` allows everyone, else exact addresses. */
export const isAllowed = (allowFrom: readonly string[], address: string): boolean =>
  allowFrom.includes('*') || allowFrom.some((allowed) => normalizeAddress(allowed) === address);

/** Whether any Authentication-Results header says `<method>=pass`, as nanobot checks for SPF and DKIM. */
export function authPassed(headers: readonly string[], method: 'spf' | 'dkim'): boolean {
  const pattern = new RegExp(`\\b${method}\\s*=\\s*pass\\b`, 'i');
  return headers.some((header) => pattern.test(header));
}

/** HTML as readable text, for a mail that has no plain part: block ends become line breaks, tags go, entities decode. */
export function htmlToText(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return entities[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The body nanobot hands the agent: the plain part, else the HTML as text. */
export function bodyOf(mail: Pick<ReceivedMail, 'text' | 'html'>): string {
  const plain = mail.text?.trim() ?? '';
  if (plain !== '') return plain;
  return mail.html === undefined ? '' : htmlToText(mail.html);
}

export type MailSource = { sourceId: string; seq: number; receivedAt: number };

/**
 * One received mail → an inbound message, or why not: nanobot's rules (our own address ignored,
 * SPF and DKIM verdicts when required, allowFrom on the From address) and its `[EMAIL-CONTEXT]`
 * text with the body cut at maxBodyChars. The chat is the sender's address, as in nanobot.
 */
export function toInbound(
  mail: ReceivedMail, policy: InboundPolicy, source: MailSource, attachments: { paths: string[]; notes: string[] } = { paths: [], notes: [] },
): MailVerdict {
  const sender = normalizeAddress(mail.from);
  if (sender === '') return { kind: 'ignore', reason: 'no From address' };
  if (policy.selfAddresses.map(normalizeAddress).includes(sender)) return { kind: 'ignore', reason: 'from our own address' };
  if (policy.verifySpf && !authPassed(mail.authResults, 'spf')) return { kind: 'ignore', reason: 'spf did not pass' };
  if (policy.verifyDkim && !authPassed(mail.authResults, 'dkim')) return { kind: 'ignore', reason: 'dkim did not pass' };
  if (!isAllowed(policy.allowFrom, sender)) return { kind: 'ignore', reason: 'sender not in allowFrom' };
  const body = (bodyOf(mail) || '(empty email body)').slice(0, policy.maxBodyChars);
  const text = [
    '[EMAIL-CONTEXT] Email received.', `From: ${sender}`, `Subject: ${mail.subject ?? ''}`, `Date: ${mail.date ?? ''}`, '', body,
    ...attachments.paths.map((path) => `[attachment: ${path}]`), ...attachments.notes.map((note) => `[attachment: ${note}]`),
  ].join('\n');
  return {
    kind: 'accept',
    message: {
      kind: 'message',
      id: source.sourceId,
      channel: 'email',
      chatId: sender,
      senderId: sender,
      sessionKey: toSessionKey('email', sender),
      seq: source.seq,
      receivedAt: source.receivedAt,
      ...(mail.messageId === undefined ? {} : { sourceMessageId: mail.messageId }),
      text,
      media: attachments.paths,
    },
  };
}
