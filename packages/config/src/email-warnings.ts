import type { Config } from './schema.js';

/**
 * `channels.email` when enabled: nanobot's consent and allowFrom rules, and the keys this
 * version accepts but does not act on (nanobot's post actions on a handled mail).
 */
export function emailConfigWarnings(config: Config): string[] {
  const email = config.channels.email;
  if (!email.enabled) return [];
  const warnings: string[] = [];
  if (!email.consentGranted) warnings.push('channels.email.consentGranted is false: the mailbox is not read and no email worker is started until the owner consents');
  if (email.allowFrom.length === 0) {
    warnings.push('channels.email.allowFrom is empty: nobody is let in (list sender addresses, or "*" for everyone)');
  }
  if (email.postAction !== undefined && email.postAction !== null) {
    warnings.push(`channels.email.postAction "${email.postAction}" is not supported yet: handled mail stays in ${email.imapMailbox} (flagged \\Seen when markSeen)`);
  }
  if (!email.verifyDkim && !email.verifySpf) {
    warnings.push('channels.email.verifyDkim and verifySpf are both false: mail with a forged From address is let in');
  }
  return warnings;
}
