/**
 * WhatsApp's allowFrom, shared by the bridge (which downloads media only for allowed senders)
 * and the worker (which answers only them), so the two never disagree about who is allowed.
 */

/** Who wrote a WhatsApp message, as nanobot's bridge frames name it. */
export type WhatsappAuthor = {
  /** The chat JID (the group for group messages). */
  sender: string;
  /** The author's phone-number JID when known, else its JID. */
  pn: string;
  participant?: string | undefined;
  isGroup: boolean;
};

/** `+49 151-234` → `49151234`; `49151234:7@s.whatsapp.net` → `49151234@s.whatsapp.net`. */
function normalize(entry: string): string {
  const trimmed = entry.trim().toLowerCase();
  const at = trimmed.indexOf('@');
  if (at < 0) return trimmed.replace(/^\+/, '').replace(/[\s().-]/g, '');
  return `${trimmed.slice(0, at).split(':')[0] ?? ''}${trimmed.slice(at)}`;
}

/** Who wrote the message, as full JIDs and as bare user parts (phone numbers or LIDs). */
function identitiesOf(author: WhatsappAuthor): Set<string> {
  const jids = [author.pn, author.participant, author.isGroup ? undefined : author.sender]
    .filter((j): j is string => j !== undefined && j !== '')
    .map(normalize);
  return new Set([...jids, ...jids.map((jid) => jid.split('@')[0] ?? '')].filter((s) => s !== ''));
}

/**
 * nanobot's allowFrom, deny-by-default: empty denies everyone, `*` allows everyone; an entry
 * is a phone number (`+49…` or `49…`) or a JID, and `id|name` entries match on either part.
 */
export function isAllowedWhatsappAuthor(allowFrom: readonly string[], author: WhatsappAuthor): boolean {
  if (allowFrom.includes('*')) return true;
  const mine = identitiesOf(author);
  return allowFrom.some((entry) => entry.split('|').some((part) => part.trim() !== '' && mine.has(normalize(part))));
}
