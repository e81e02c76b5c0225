import { describe, expect, it } from 'vitest';
import { replyHeaders, replyMessageId } from './reply-headers.js';
import { emailSourceId } from './source-id.js';

describe('replyHeaders', () => {
  it('threads a reply under the received mail and its references', () => {
    expect(replyHeaders({ messageId: '<b@x>', references: '<a@x>', subject: 'Lunch' }, 'Re: ')).toEqual({
      subject: 'Re: Lunch', inReplyTo: '<b@x>', references: ['<a@x>', '<b@x>'],
    });
  });

  it('does not stack the prefix on a subject that has it already', () => {
    expect(replyHeaders({ subject: 'RE: Lunch' }, 'Re: ').subject).toBe('RE: Lunch');
  });

  it('has no threading headers for a mail without a Message-ID', () => {
    expect(replyHeaders({ subject: 'Hi' }, 'Re: ')).toEqual({ subject: 'Re: Hi' });
  });
});

describe('replyMessageId', () => {
  it('is the same for the same chunk of the same reply, different otherwise', () => {
    const first = replyMessageId('job-1', 0, 'bot@example.org');
    expect(replyMessageId('job-1', 0, 'bot@example.org')).toBe(first);
    expect(replyMessageId('job-1', 1, 'bot@example.org')).not.toBe(first);
    expect(replyMessageId('job-2', 0, 'bot@example.org')).not.toBe(first);
    expect(first).toMatch(/^<[0-9a-f]{32}\.0@example\.org>$/);
  });
});

describe('emailSourceId', () => {
  it('changes with UIDVALIDITY, so a renumbered mailbox is read again', () => {
    const base = { account: 'Bot@example.org', mailbox: 'INBOX', uid: 7 };
    expect(emailSourceId({ ...base, uidValidity: 1n })).toBe(emailSourceId({ ...base, account: 'bot@example.org', uidValidity: 1n }));
    expect(emailSourceId({ ...base, uidValidity: 2n })).not.toBe(emailSourceId({ ...base, uidValidity: 1n }));
  });
});

describe('emailSourceId across mailboxes', () => {
  it('tells two mailboxes of one account apart and has no colon', () => {
    const inbox = emailSourceId({ account: 'bot@example.org', mailbox: 'INBOX', uidValidity: 1, uid: 7 });
    expect(emailSourceId({ account: 'bot@example.org', mailbox: 'Support', uidValidity: 1, uid: 7 })).not.toBe(inbox);
    expect(inbox).toMatch(/^email-[0-9a-f]{12}-1-7$/);
  });
});
