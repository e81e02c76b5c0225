import type { Dovecot } from './dovecot.js';
import type { MailDeliverer } from './deliver-mail.js';
import type { SmtpSink } from './smtp-sink.js';
import { createChatTraffic } from './traffic.js';

/** The bot's address in every email test config. */
export const testBotAddress = 'bot@example.org';

/**
 * Email traffic: each sender is a chat; a message is a mail whose subject (and body) is the
 * traffic's token, delivered into the Dovecot INBOX; a reply is a mail the SMTP sink took for
 * that sender, read back as `echo: <token>` from its "Re: <token>" subject, so the checker of
 * the other channels counts it (missing, doubled, out of order).
 */
export function createEmailTraffic(deliverer: MailDeliverer, sink: SmtpSink, options: { senders: string[]; prefix: string }) {
  const replies = (sender: string) => sink.mails().filter((m) => m.to.includes(sender));
  const echo = (subject: string) => `echo: ${subject.replace(/^re:\s*/i, '')}`;
  return createChatTraffic<string>(
    {
      inject: (sender, text) => void deliverer.deliver({ from: sender, to: testBotAddress, subject: text, text }),
      repliesTo: (sender) => replies(sender).map((m) => echo(m.subject)),
      allReplies: () => sink.mails().map((m) => ({ text: echo(m.subject), at: m.at })),
      waitFor: (predicate, timeoutMs) => sink.waitFor(predicate, timeoutMs),
    },
    { chats: options.senders, prefix: options.prefix, label: (sender) => sender.split('@')[0] ?? sender },
  );
}

export type EmailTraffic = ReturnType<typeof createEmailTraffic>;

/** Adds an enabled email channel, plain on loopback to the test Dovecot and SMTP sink, to a cluster config. */
export function withFakeEmail(
  config: Record<string, unknown>, servers: { dovecot: Pick<Dovecot, 'port' | 'user' | 'password'>; smtp: Pick<SmtpSink, 'port' | 'user' | 'password'> },
  allowFrom: string[] = ['*'], extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const channels = (config.channels ?? {}) as Record<string, unknown>;
  const { dovecot, smtp } = servers;
  return {
    ...config,
    channels: {
      ...channels,
      email: {
        enabled: true, consentGranted: true, fromAddress: testBotAddress, allowFrom, pollIntervalSeconds: 5,
        imapHost: '127.0.0.1', imapPort: dovecot.port, imapSecure: false, imapUsername: dovecot.user, imapPassword: dovecot.password,
        smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecure: false, smtpUseTls: false, smtpUsername: smtp.user, smtpPassword: smtp.password,
        ...extra,
      },
    },
  };
}
