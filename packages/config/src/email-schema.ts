import { z } from 'zod';

const port = z.number().int().min(1).max(65535);

/**
 * nanobot's `channels.email` (IMAP in, SMTP out) with its defaults, plus ours: `imapSecure` /
 * `smtpSecure` (TLS from the first byte; false for a plain server on loopback, e.g. a test's
 * Dovecot) and `maxMediaMb`. nanobot's `imapUseSsl` / `smtpUseSsl` mean the same; when ours are
 * left out they follow nanobot's (`smtpSecure` then defaults to false on port 587, STARTTLS).
 */
export const emailSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** nanobot's: the owner agreed that the bot reads this mailbox; nothing is read without it. */
    consentGranted: z.boolean().default(false),
    imapHost: z.string().default(''),
    imapPort: port.default(993),
    imapUsername: z.string().default(''),
    imapPassword: z.string().default(''),
    imapMailbox: z.string().min(1).default('INBOX'),
    imapUseSsl: z.boolean().default(true),
    imapSecure: z.boolean().optional(),
    smtpHost: z.string().default(''),
    smtpPort: port.default(587),
    smtpUsername: z.string().default(''),
    smtpPassword: z.string().default(''),
    smtpUseTls: z.boolean().default(true),
    smtpUseSsl: z.boolean().default(false),
    smtpSecure: z.boolean().optional(),
    fromAddress: z.string().default(''),
    autoReplyEnabled: z.boolean().default(true),
    pollIntervalSeconds: z.number().int().min(1).default(30),
    markSeen: z.boolean().default(true),
    postAction: z.enum(['delete', 'move']).nullable().optional(),
    postActionMoveMailbox: z.string().nullable().optional(),
    postActionExpunge: z.boolean().default(false),
    postActionIgnoreSkipped: z.boolean().default(true),
    maxBodyChars: z.number().int().positive().default(12000),
    subjectPrefix: z.string().default('Re: '),
    allowFrom: z.array(z.string()).default([]),
    verifyDkim: z.boolean().default(true),
    verifySpf: z.boolean().default(true),
    allowedAttachmentTypes: z.array(z.string()).default([]),
    maxAttachmentSize: z.number().int().positive().default(2_000_000),
    maxAttachmentsPerEmail: z.number().int().nonnegative().default(5),
    /** Ours: received attachments larger than this (MB) are not saved. */
    maxMediaMb: z.number().positive().max(2048).default(20),
  })
  .superRefine((email, ctx) => {
    if (!email.enabled) return;
    for (const key of ['imapHost', 'imapUsername', 'imapPassword', 'smtpHost', 'fromAddress'] as const) {
      if (email[key].trim() === '') {
        ctx.addIssue({ code: 'custom', path: [key], message: `expected a value because channels.email.enabled is true, received empty string` });
      }
    }
  })
  .transform((email) => ({
    ...email,
    imapSecure: email.imapSecure ?? email.imapUseSsl,
    smtpSecure: email.smtpSecure ?? email.smtpUseSsl,
  }));

export type EmailConfig = z.infer<typeof emailSchema>;
