import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { nanobotPaths } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { faultPointFromEnv, runWorkerProcess, toProcessPort } from '@nanobot/runtime';
import { createEmailWorker } from './email-worker.js';
import type { SendFaultPoint } from './send-outbound.js';

const log = createLogger({ name: 'nanobot-email', level: process.env.LOG_LEVEL });

// Fault tests only: kill -9 this process at a moment of a send (NANOBOT_FAULT_POINT=after-mark|after-send).
const faultPoint = faultPointFromEnv<SendFaultPoint>(process.env, ['after-mark', 'after-send'], () => process.kill(process.pid, 'SIGKILL'));

await runWorkerProcess({
  name: 'email worker',
  port: toProcessPort(process, homedir()),
  log,
  create: (loaded) => {
    const settings = loaded.config.channels.email;
    if (!settings.enabled) throw new AppError('CONFIG_INVALID', 'channels.email.enabled is false: nothing to run');
    // nanobot's rule: without the owner's consent the mailbox is neither read nor written.
    if (!settings.consentGranted) throw new AppError('CONFIG_INVALID', 'channels.email.consentGranted is false: the mailbox is not read');
    return createEmailWorker({
      redisUrl: loaded.redis.url,
      imap: {
        host: settings.imapHost, port: settings.imapPort, secure: settings.imapSecure, user: settings.imapUsername, pass: settings.imapPassword,
        mailbox: settings.imapMailbox,
      },
      smtp: {
        host: settings.smtpHost, port: settings.smtpPort, secure: settings.smtpSecure, requireTls: settings.smtpUseTls && !settings.smtpSecure,
        user: settings.smtpUsername, pass: settings.smtpPassword,
      },
      fromAddress: settings.fromAddress,
      subjectPrefix: settings.subjectPrefix,
      autoReply: settings.autoReplyEnabled,
      markSeen: settings.markSeen,
      pollIntervalMs: settings.pollIntervalSeconds * 1000,
      policy: {
        allowFrom: settings.allowFrom, selfAddresses: [settings.fromAddress, settings.smtpUsername, settings.imapUsername],
        verifyDkim: settings.verifyDkim, verifySpf: settings.verifySpf, maxBodyChars: settings.maxBodyChars,
      },
      media: {
        dir: join(nanobotPaths(loaded.nanobotHome).media, 'email'),
        rules: {
          allowedTypes: settings.allowedAttachmentTypes, maxCount: settings.maxAttachmentsPerEmail,
          maxBytes: Math.min(settings.maxAttachmentSize, settings.maxMediaMb * 1024 * 1024),
        },
      },
      outboundLimits: { maxCount: settings.maxAttachmentsPerEmail, maxBytes: settings.maxAttachmentSize },
      log,
      holder: `${hostname()}:${process.env.pm_id ?? `pid${process.pid}`}`,
      instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
      pid: process.pid,
      ...(faultPoint === undefined ? {} : { faultPoint }),
    });
  },
});
