import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, writeConfig, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an agent without a model provider (a fresh onboard)', () => {
  let stack: TelegramStack;
  let config: Record<string, unknown>;

  beforeAll(async () => {
    stack = await startTelegramStack({
      configure: (c) => {
        config = structuredClone(c);
        delete c.providers;
        (c.agents as { defaults: Record<string, unknown> }).defaults.provider = 'auto';
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stays up as unconfigured, keeps messages queued, and answers them once the config is fixed', async () => {
    const { cluster, telegram } = stack;
    telegram.injectMessage({ chatId: 31, text: 'anyone there?' });
    await sleep(5_000);
    const agent = (await cluster.processes()).find((p) => p.name === 'nanobot-agent');
    expect(agent).toMatchObject({ status: 'online', restarts: 0 });
    const status = await cluster.nanobot('status');
    expect(status.stdout).toMatch(/agent\s+unconfigured/);
    expect(status.stdout).toContain('no LLM provider is configured');
    expect(status.stdout).toMatch(/inbound\s+waiting 1/);
    expect(telegram.sentTo(31)).toEqual([]);

    await writeConfig(cluster.home, config);
    const restarted = await cluster.nanobot('restart');
    expect(restarted.code, restarted.stderr).toBe(0);
    await telegram.waitFor(() => telegram.sentTo(31).length === 1, 30_000);
    await sleep(1_500);
    expect(telegram.sentTo(31).map((m) => m.visibleText)).toEqual(['echo: anyone there?']);
  }, 90_000);
});
