import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Dovecot } from './dovecot.js';

export type TestMail = {
  from: string;
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  attachments?: { filename: string; content: string | Buffer; contentType?: string }[];
  /** As the receiving MX would stamp it; default `spf=pass dkim=pass`, so nanobot's checks let the mail in. */
  authenticationResults?: string | null;
};

export type MailDeliverer = {
  /** APPENDs the mail to INBOX (unseen) and returns its UID. */
  deliver(mail: TestMail): Promise<number>;
  /** The flags of a mail, by UID. */
  flags(uid: number): Promise<Set<string>>;
  /** Deletes every mail in INBOX, so each test starts from an empty mailbox. */
  clear(): Promise<void>;
  close(): Promise<void>;
};

/** A raw RFC 5322 mail, as a real client would compose it (nodemailer's MailComposer). */
export async function composeMail(mail: TestMail): Promise<Buffer> {
  const auth = mail.authenticationResults === undefined ? 'mx.test; spf=pass smtp.mailfrom=test; dkim=pass header.d=test' : mail.authenticationResults;
  const composer = new MailComposer({
    from: mail.from, to: mail.to ?? 'bot@example.org', subject: mail.subject ?? 'hello',
    ...(mail.text === undefined ? {} : { text: mail.text }), ...(mail.html === undefined ? {} : { html: mail.html }),
    ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }), ...(mail.inReplyTo === undefined ? {} : { inReplyTo: mail.inReplyTo }),
    ...(mail.attachments === undefined ? {} : { attachments: mail.attachments }),
    ...(auth === null ? {} : { headers: { 'Authentication-Results': auth } }),
  });
  return composer.compile().build();
}

/**
 * Puts mail into the test Dovecot's INBOX over IMAP APPEND, as a delivery agent would: the
 * worker's IDLE sees it at once. One connection, opened again after the server was restarted.
 */
export function createMailDeliverer(dovecot: Pick<Dovecot, 'port' | 'user' | 'password'>): MailDeliverer {
  let client: ImapFlow | undefined;
  let chain: Promise<number> = Promise.resolve(0);
  const open = async (): Promise<ImapFlow> => {
    if (client?.usable === true) return client;
    const fresh = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false, disableAutoIdle: true });
    fresh.on('error', () => undefined); // a restarted server drops us; the next call opens again
    await fresh.connect();
    client = fresh;
    return fresh;
  };
  return {
    deliver(mail) {
      // One after the other, in the order asked, and held while the server is away (as an MTA
      // holds mail for a mailbox it cannot reach), up to two minutes.
      const attempt = async (): Promise<number> => {
        const raw = await composeMail(mail);
        const deadline = Date.now() + 120_000;
        for (;;) {
          try {
            const answer = await (await open()).append('INBOX', raw, []);
            if (answer === false || answer.uid === undefined) throw new Error('APPEND returned no UID');
            return answer.uid;
          } catch (err) {
            client?.close();
            client = undefined;
            if (Date.now() > deadline) throw err;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      };
      const next = chain.then(attempt);
      chain = next.catch(() => 0);
      return next;
    },
    async flags(uid) {
      const imap = await open();
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const message = await imap.fetchOne(String(uid), { flags: true }, { uid: true });
        return message === false ? new Set() : (message.flags ?? new Set());
      } finally {
        lock.release();
      }
    },
    async clear() {
      const imap = await open();
      const lock = await imap.getMailboxLock('INBOX');
      try {
        if (imap.mailbox !== false && imap.mailbox.exists > 0) await imap.messageDelete('1:*');
      } finally {
        lock.release();
      }
    },
    async close() {
      await client?.logout().catch(() => undefined);
      client = undefined;
    },
  };
}
