import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedCountIn, startTelegramStack, type TelegramStack } from '@nanobot/testkit';
import { fakePdf, fakePng } from '../support/media-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The send window for files: the Telegram worker SIGKILLs itself (fault point `after-send`)
 * right after Telegram answered the upload of a reply's photo, before the sent-marker. The
 * restarted worker finds the photo `sending`, asks Telegram (editMessageCaption with the same
 * caption answers "not modified" for exactly that message) and sends neither file twice.
 */
describe('a Telegram worker killed right after uploading a file', () => {
  let stack: TelegramStack;
  let onceFile: string;

  beforeAll(async () => {
    stack = await startTelegramStack({ start: false });
    onceFile = join(stack.cluster.home, 'fault-point-fired');
    stack.cluster.env.NANOBOT_FAULT_POINT = 'after-send';
    stack.cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
    const started = await stack.cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await stack.cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('sends the PNG and the PDF once each', async () => {
    const { telegram, llm, cluster } = stack;
    const dir = join(cluster.home, 'workspace', 'out');
    mkdirSync(dir, { recursive: true });
    const png = fakePng();
    const pdf = fakePdf();
    writeFileSync(join(dir, 'photo.png'), png);
    writeFileSync(join(dir, 'doc.pdf'), pdf);
    llm.script({ toolCalls: [{ name: 'message', arguments: { content: 'both files', media: [join(dir, 'photo.png'), join(dir, 'doc.pdf')] } }] }, { content: 'done' });
    telegram.injectMessage({ chatId: 8401, text: 'files please' });

    await telegram.waitFor(() => existsSync(onceFile), 30_000);
    await telegram.waitFor(() => telegram.sentMedia().filter((m) => m.chatId === '8401').length >= 2, 60_000);
    await sleep(2_000); // a second copy would be here by now

    const sent = telegram.sentMedia().filter((m) => m.chatId === '8401');
    expect(sent.map((m) => m.method)).toEqual(['sendPhoto', 'sendDocument']);
    expect(sent[0]!.bytes.equals(png)).toBe(true);
    expect(sent[1]!.bytes.equals(pdf)).toBe(true);
    expect(telegram.calls('sendPhoto')).toHaveLength(1);
    expect(telegram.calls('sendDocument')).toHaveLength(1);
    expect(await cluster.logs('nanobot-telegram')).toContain('reply found delivered, not sending it again');
    expect(failedCountIn((await cluster.nanobot('status')).stdout, 'outbound-telegram')).toBe(0);
  }, 90_000);
});
