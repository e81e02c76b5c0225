import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type TelegramStack } from '@nanobot/testkit';
import { fakePng, lastUserTurn, requestsWith } from '../support/media-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A received photo is on disk before its update is confirmed: the Telegram worker killed
 * (SIGKILL, by the `after-download` fault point) after the download and before the message is
 * queued leaves the update unconfirmed, so the restarted worker gets it again, downloads it
 * to the same name and queues it once.
 */
describe('a Telegram worker killed between a photo\'s download and its queueing', () => {
  let stack: TelegramStack;
  let onceFile: string;

  beforeAll(async () => {
    stack = await startTelegramStack({
      start: false,
      configure: (config) => {
        (config.agents as { defaults: Record<string, unknown> }).defaults.model = 'test-vision-model';
      },
    });
    onceFile = join(stack.cluster.home, 'fault-point-fired');
    stack.cluster.env.NANOBOT_FAULT_POINT = 'after-download';
    stack.cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
    const started = await stack.cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await stack.cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers the photo once after the restart, with the photo intact', async () => {
    const { telegram, llm, cluster } = stack;
    const restarts = async () => (await cluster.processes()).find((p) => p.name === 'nanobot-telegram')?.restarts ?? -1;
    const before = await restarts();
    const photo = fakePng(4096);
    const ref = telegram.addFile(photo, { folder: 'photos' });
    telegram.injectMessage({ chatId: 8201, text: '', media: { caption: 'killed-8201', photo: [{ ...ref, width: 640, height: 480 }] } });

    await telegram.waitFor(() => existsSync(onceFile), 30_000);
    await telegram.waitFor(() => telegram.sentTo(8201).length === 1, 60_000);
    await sleep(2_000); // a second answer would be here by now

    expect(await restarts()).toBe(before + 1);
    expect(telegram.sentTo(8201)).toHaveLength(1);
    const asked = requestsWith(llm.requests(), 'killed-8201');
    expect(asked).toHaveLength(1);
    const images = lastUserTurn(asked[0]!).images;
    expect(images).toHaveLength(1);
    expect(images[0]!.equals(photo)).toBe(true);
    // Downloaded before the kill and again after it: the update was not confirmed in between.
    expect(telegram.calls('getFile').filter((c) => c.params.file_id === ref.file_id)).toHaveLength(2);
  }, 90_000);
});
