import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from './dovecot.js';

/** Sends IMAP commands in one go and returns everything until the last tag's answer. */
async function imap(port: number, lines: string[], lastTag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('error', reject);
    setTimeout(() => { reject(new Error(`no answer to ${lastTag}: ${out}`)); socket.destroy(); }, 5_000).unref();
    socket.on('data', (data) => {
      out += data.toString();
      if (out.includes('* OK') && !socket.writableEnded && lines.length > 0) socket.write(lines.splice(0).map((l) => `${l}\r\n`).join(''));
      if (new RegExp(`^${lastTag} (OK|NO|BAD)`, 'm').test(out)) { socket.end(); resolve(out); }
    });
  });
}

describe('startDovecot', () => {
  let dovecot: Dovecot;
  beforeAll(async () => { dovecot = await startDovecot(); }, 30_000);
  afterAll(async () => { await dovecot.close(); });

  it('logs the test user in over plain IMAP and keeps UIDVALIDITY across a restart', async () => {
    const login = `a LOGIN ${dovecot.user} ${dovecot.password}`;
    const first = await imap(dovecot.port, [login, 'b SELECT INBOX', 'c LOGOUT'], 'c');
    expect(first).toMatch(/^a OK/m);
    const validity = /UIDVALIDITY (\d+)/.exec(first)?.[1];
    expect(validity).toBeDefined();
    await dovecot.stop();
    await dovecot.start();
    const again = await imap(dovecot.port, [login, 'b SELECT INBOX', 'c LOGOUT'], 'c');
    expect(/UIDVALIDITY (\d+)/.exec(again)?.[1]).toBe(validity);
  }, 30_000);
});
