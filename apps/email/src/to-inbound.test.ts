import { describe, expect, it } from 'vitest';
import { htmlToText, normalizeAddress, toInbound, type InboundPolicy } from './to-inbound.js';

const policy: InboundPolicy = { allowFrom: ['alice@example.org'], selfAddresses: ['bot@example.org'], verifyDkim: true, verifySpf: true, maxBodyChars: 10 };
const source = { sourceId: 'email-abc-1-7', seq: 5, receivedAt: 1 };
const passed = ['mx; spf=pass smtp.mailfrom=x; dkim=pass header.d=x'];

describe('toInbound', () => {
  it('lets an allowed sender in with nanobot\'s email context, the body cut at maxBodyChars', () => {
    const verdict = toInbound({ from: 'Alice <Alice@Example.org>', subject: 'Hi', date: 'd', authResults: passed, text: '0123456789abc' }, policy, source);
    expect(verdict).toMatchObject({ kind: 'accept', message: { id: 'email-abc-1-7', chatId: 'alice@example.org', sessionKey: 'email:alice@example.org', seq: 5 } });
    expect(verdict.kind === 'accept' && verdict.message.kind === 'message' ? verdict.message.text : '').toBe(
      '[EMAIL-CONTEXT] Email received.\nFrom: alice@example.org\nSubject: Hi\nDate: d\n\n0123456789',
    );
  });

  it('ignores a stranger, our own address, and a mail without an SPF or DKIM pass', () => {
    expect(toInbound({ from: 'eve@example.org', authResults: passed, text: 'x' }, policy, source)).toEqual({ kind: 'ignore', reason: 'sender not in allowFrom' });
    expect(toInbound({ from: 'bot@example.org', authResults: passed, text: 'x' }, { ...policy, allowFrom: ['*'] }, source).kind).toBe('ignore');
    expect(toInbound({ from: 'alice@example.org', authResults: ['mx; spf=pass; dkim=fail'], text: 'x' }, policy, source)).toEqual({ kind: 'ignore', reason: 'dkim did not pass' });
    expect(toInbound({ from: 'alice@example.org', authResults: [], text: 'x' }, { ...policy, verifySpf: false, verifyDkim: false }, source).kind).toBe('accept');
  });

  it('names saved attachments and left-out ones under the body', () => {
    const verdict = toInbound({ from: 'alice@example.org', authResults: passed, text: 'x' }, { ...policy, maxBodyChars: 100 }, source, { paths: ['/m/a.txt'], notes: ['b.exe - type application/x not saved'] });
    expect(verdict.kind === 'accept' && verdict.message.kind === 'message' ? [verdict.message.text.split('\n').slice(-2), verdict.message.media] : []).toEqual([
      ['[attachment: /m/a.txt]', '[attachment: b.exe - type application/x not saved]'], ['/m/a.txt'],
    ]);
  });
});

describe('htmlToText and normalizeAddress', () => {
  it('turns HTML into lines of text and an address header into the bare address', () => {
    expect(htmlToText('<style>p{}</style><p>a &amp; b</p><div>c<br>d</div>')).toBe('a & b\nc\nd');
    expect(normalizeAddress('"Ada L." <ADA@x.org>')).toBe('ada@x.org');
    expect(normalizeAddress('not an address')).toBe('');
  });
});
