import type { Dovecot } from './dovecot.js';
import type { MailDeliverer } from './deliver-mail.js';
import type { SmtpSink, SunkMail } from './smtp-sink.js';
import { createChatTraffic } from './traffic.js';

/** The bot's address in every email test config. */
export const testBotAddress = 'bot@example.org';

/** The mails a mailbox shows: a copy with a Message-ID seen before is one mail, as mail clients and Gmail show it. */
const asShown = (mails: readonly SunkMail[]): SunkMail[] => {
  const seen = new Set<string>();
  return mails.filter((m) => {
    if (m.messageId === '') return true;
    if (seen.has(m.messageId)) return false;
    seen.add(m.messageId);
    return true;
  });
};

/**
 * Email traffic: each sender is a chat; a message is a mail whose subject (and body) is the
 * traffic's token, delivered into the Dovecot INBOX; a reply is a mail the SMTP sink took for
 * that sender, read back as `echo: <token>` from its "Re: <token>" subject, so the checker of
 * the other channels counts it (missing, doubled, out of order) as the recipient's mailbox shows
 * it. `resent()` counts the SMTP transactions repeated under a Message-ID already taken.
 */
export function createEmailTraffic(deliverer: MailDeliverer, sink: SmtpSink, options: { senders: string[]; prefix: string }) {
  const ours = () => sink.mails().filter((m) => options.senders.some((s) => m.to.includes(s)) && m.subject.includes(`${options.prefix}-`));
  const echo = (subject: string) => `echo: ${subject.replace(/^re:\s*/i, '')}`;
  const traffic = createChatTraffic<string>(
    {
      inject: (sender, text) => void deliverer.deliver({ from: sender, to: testBotAddress, subject: text, text }),
      repliesTo: (sender) => asShown(sink.mails().filter((m) => m.to.includes(sender))).map((m) => echo(m.subject)),
      allReplies: () => asShown(sink.mails()).map((m) => ({ text: echo(m.subject), at: m.at })),
      waitFor: (predicate, timeoutMs) => sink.waitFor(predicate, timeoutMs),
    },
    { chats: options.senders, prefix: options.prefix, label: (sender) => sender.split('@')[0] ?? sender },
  );
  return { ...traffic, resent: () => ours().length - asShown(ours()).length };
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
