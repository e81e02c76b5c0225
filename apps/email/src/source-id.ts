import { createHash } from 'node:crypto';

/**
 * The source id of a received mail: the account, the mailbox, its UIDVALIDITY and the UID.
 * A UID names one message only while UIDVALIDITY stays the same, so both are part of it; the
 * inbound job id is made from it (dashes only, as BullMQ wants), so a mail read again after a restart is dropped by BullMQ.
 */
export function emailSourceId(input: { account: string; mailbox: string; uidValidity: bigint | number; uid: number }): string {
  const mailbox = createHash('sha256').update(`${input.account.toLowerCase()}\n${input.mailbox}`).digest('hex').slice(0, 12);
  return `email-${mailbox}-${String(input.uidValidity)}-${String(input.uid)}`;
}
