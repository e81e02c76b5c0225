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

    // `nanobot agent` does not queue a message nobody takes: it says why, with the fix, at once.
    const startedAt = Date.now();
    const asked = await cluster.nanobot('agent', '-m', 'hi');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain("the cluster's agent is not configured");
    expect(asked.stderr).toContain('no LLM provider is configured');
    expect(asked.stderr).toContain('nanobot restart');
    expect((await cluster.nanobot('status')).stdout).toMatch(/inbound\s+waiting 1 /);

    await writeConfig(cluster.home, config);
    const restarted = await cluster.nanobot('restart');
    expect(restarted.code, restarted.stderr).toBe(0);
    await telegram.waitFor(() => telegram.sentTo(31).length === 1, 30_000);
    await sleep(1_500);
    expect(telegram.sentTo(31).map((m) => m.visibleText)).toEqual(['echo: anyone there?']);

    // An agent that is down is reported just as fast.
    expect((await cluster.pm2('stop', 'nanobot-agent')).code).toBe(0);
    const downAt = Date.now();
    const down = await cluster.nanobot('agent', '-m', 'hi');
    expect(Date.now() - downAt).toBeLessThan(2_000);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('no agent is consuming messages');
    expect(down.stderr).toContain('nanobot start');
  }, 90_000);
});
