import { isAppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };
const account = { imapHost: 'imap.example.org', imapUsername: 'bot', imapPassword: 'pw', smtpHost: 'smtp.example.org', fromAddress: 'bot@example.org' };

describe('channels.email', () => {
  it('takes nanobot\'s keys in snake_case, with its defaults and ours', () => {
    const { config } = parseConfig({
      channels: { email: { enabled: true, consent_granted: true, imap_host: 'imap.example.org', imap_username: 'bot', imap_password: 'pw',
        smtp_host: 'smtp.example.org', from_address: 'bot@example.org', allow_from: ['ada@example.org'], poll_interval_seconds: 10 } },
    }, options);
    expect(config.channels.email).toMatchObject({
      enabled: true, consentGranted: true, imapPort: 993, imapMailbox: 'INBOX', imapSecure: true, smtpPort: 587, smtpSecure: false,
      allowFrom: ['ada@example.org'], pollIntervalSeconds: 10, markSeen: true, maxBodyChars: 12000, subjectPrefix: 'Re: ', maxMediaMb: 20,
    });
  });

  it('lets imapSecure / smtpSecure win over nanobot\'s ssl keys, for a plain server on loopback', () => {
    const { config } = parseConfig({ channels: { email: { ...account, imapSecure: false, smtpUseSsl: true, smtpSecure: false } } }, options);
    expect(config.channels.email).toMatchObject({ imapSecure: false, smtpSecure: false });
  });

  it('requires the account when enabled, naming the field', () => {
    let message = '';
    try {
      parseConfig({ channels: { email: { ...account, enabled: true, imapHost: '' } } }, options);
    } catch (err) {
      if (isAppError(err, 'CONFIG_INVALID')) message = err.message;
    }
    expect(message).toContain('channels.email.imapHost');
  });

  it('warns about missing consent, an empty allowFrom and a post action it does not take', () => {
    const { warnings } = parseConfig({ channels: { email: { ...account, enabled: true, postAction: 'move' } } }, options);
    const text = warnings.join('\n');
    expect(text).not.toContain('channels.email is not supported yet');
    expect(text).toContain('channels.email.consentGranted is false');
    expect(text).toContain('channels.email.allowFrom is empty');
    expect(text).toContain('channels.email.postAction "move" is not supported yet');
  });

  it('warns about a key nanobot does not have', () => {
    const { warnings } = parseConfig({ channels: { email: { imapHostname: 'x' } } }, options);
    expect(warnings.join('\n')).toContain('imapHostname');
  });
});
