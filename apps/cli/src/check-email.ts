import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { describeError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import type { Check } from './doctor-command.js';

/**
 * `nanobot doctor`'s email line: an IMAP login that opens the mailbox read-only (no mail is
 * touched) and an SMTP connection with its login (nodemailer's verify; nothing is sent).
 * Never prints a password.
 */
export async function checkEmail(loaded: LoadedConfig): Promise<Check | null> {
  const email = loaded.config.channels.email;
  if (!email.enabled) return null;
  if (!email.consentGranted) return { name: 'email', ok: true, warning: true, detail: 'channels.email.consentGranted is false: the mailbox is not read, nothing checked' };
  const imap = new ImapFlow({
    host: email.imapHost, port: email.imapPort, secure: email.imapSecure, auth: { user: email.imapUsername, pass: email.imapPassword },
    logger: false, disableAutoIdle: true, connectionTimeout: 5_000, greetingTimeout: 5_000,
  });
  imap.on('error', () => undefined); // the failure is reported by the awaited call below
  let mailbox: { exists: number };
  try {
    await imap.connect();
    mailbox = await imap.mailboxOpen(email.imapMailbox, { readOnly: true });
  } catch (err) {
    const refused = (err as { authenticationFailed?: boolean }).authenticationFailed === true;
    return { name: 'email', ok: false, detail: refused ? `the IMAP server ${email.imapHost} refused the login of ${email.imapUsername}` : `IMAP ${email.imapHost}:${String(email.imapPort)}: ${describeError(err)}` };
  } finally {
    imap.close();
  }
  const smtp = createTransport({
    host: email.smtpHost, port: email.smtpPort, secure: email.smtpSecure, requireTLS: email.smtpUseTls && !email.smtpSecure,
    ignoreTLS: !email.smtpSecure && !email.smtpUseTls, connectionTimeout: 5_000, greetingTimeout: 5_000,
    ...(email.smtpUsername === '' ? {} : { auth: { user: email.smtpUsername, pass: email.smtpPassword } }),
  });
  try {
    await smtp.verify();
  } catch (err) {
    return { name: 'email', ok: false, detail: `IMAP login ok (${email.imapMailbox}: ${String(mailbox.exists)} mails), but SMTP ${email.smtpHost}:${String(email.smtpPort)}: ${describeError(err)}` };
  } finally {
    smtp.close();
  }
  return { name: 'email', ok: true, detail: `IMAP login ok (${email.imapMailbox}: ${String(mailbox.exists)} mails); SMTP ${email.smtpHost}:${String(email.smtpPort)} accepts our login` };
}
