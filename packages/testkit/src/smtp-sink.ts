import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './redis-server.js';

export type SunkMail = {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo: string;
  references: string[];
  attachments: { filename: string; content: Buffer }[];
  raw: Buffer;
  /** When the sink took it (ms). */
  at: number;
};

export type SmtpSink = {
  port: number;
  user: string;
  password: string;
  /** Every mail the sink took (250), in order. */
  mails(): SunkMail[];
  /** The next `count` mails are refused at DATA with this code (default 451, "try again later"). */
  failNext(count: number, code?: number): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * An SMTP server on loopback that takes every mail (plain, no TLS, AUTH optional), parses it with
 * mailparser and keeps it; told to, it refuses the next mails with a 4xx or 5xx after the body,
 * as a server that is full or down for maintenance does.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const port = await freePort();
  const user = 'bot';
  const password = 'smtp-test-password';
  const taken: SunkMail[] = [];
  let failures: { count: number; code: number } = { count: 0, code: 451 };
  const server = new SMTPServer({
    secure: false, authOptional: true, disabledCommands: ['STARTTLS'], logger: false, banner: 'nanobot test sink',
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error('invalid login'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures.count > 0) {
          failures = { ...failures, count: failures.count - 1 };
          callback(Object.assign(new Error('refused by the test sink'), { responseCode: failures.code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          taken.push({
            from: parsed.from?.value[0]?.address ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '', inReplyTo: parsed.inReplyTo ?? '', references: list(parsed.references),
            attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', content: a.content })),
            raw, at: Date.now(),
          });
          callback();
        }, (err: unknown) => callback(err as Error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // a client that goes away mid-transaction is the client's problem
  return {
    port, user, password,
    mails: () => [...taken],
    failNext: (count, code = 451) => (failures = { count, code }),
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`smtp sink: condition not met within ${String(timeoutMs)} ms (${String(taken.length)} mails)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
