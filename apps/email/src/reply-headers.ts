import { createHash } from 'node:crypto';

export interface ReceivedHeaders {
  messageId?: string;
  references?: string | string[];
  subject?: string;
}

export interface ReplyHeaders {
  inReplyTo?: string;
  references?: string[];
  subject: string;
}

/**
 * Threading of a reply (RFC 5322 3.6.4): `In-Reply-To` is the received Message-ID, `References`
 * its references followed by that id, and the subject gets the prefix once (no "Re: Re: ").
 */
export function replyHeaders(received: ReceivedHeaders, subjectPrefix: string): ReplyHeaders {
  const subject = received.subject?.trim() ?? '';
  const prefix = subjectPrefix.trim().toLowerCase();
  const prefixed = prefix !== '' && subject.toLowerCase().startsWith(prefix) ? subject : `${subjectPrefix}${subject}`;
  const earlier = typeof received.references === 'string' ? received.references.split(/\s+/) : (received.references ?? []);
  const references = [...earlier.filter((ref) => ref !== ''), ...(received.messageId ? [received.messageId] : [])];
  return {
    subject: prefixed,
    ...(received.messageId ? { inReplyTo: received.messageId } : {}),
    ...(references.length > 0 ? { references: [...new Set(references)] } : {}),
  };
}

/**
 * The Message-ID of one chunk of a reply, the same every time that chunk is sent: after a crash
 * between the SMTP send and its sent-marker, the resend carries the same id, so the mailbox's
 * Sent folder (or the recipient's client) can tell it is the same mail.
 */
export function replyMessageId(outboundJobId: string, chunk: number, fromAddress: string): string {
  const domain = fromAddress.includes('@') ? fromAddress.slice(fromAddress.lastIndexOf('@') + 1) : 'nanobot.invalid';
  const hash = createHash('sha256').update(`${outboundJobId}\n${String(chunk)}`).digest('hex').slice(0, 32);
  return `<${hash}.${String(chunk)}@${domain}>`;
}
