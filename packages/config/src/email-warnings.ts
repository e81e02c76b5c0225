import type { Config } from './schema.js';

/**
 * `channels.email` when enabled: this version has no email worker yet, so the keys are accepted
 * and checked but nothing reads the mailbox; nanobot's consent and allowFrom rules are named too.
 */
export function emailConfigWarnings(config: Config): string[] {
  const email = config.channels.email;
  if (!email.enabled) return [];
  const warnings = ['channels.email is not supported yet: the settings are checked, but no worker reads the mailbox or sends mail'];
  if (!email.consentGranted) warnings.push('channels.email.consentGranted is false: the mailbox is not read until the owner consents');
  if (email.allowFrom.length === 0) {
    warnings.push('channels.email.allowFrom is empty: nobody is let in (list sender addresses, or "*" for everyone)');
  }
  return warnings;
}
