import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The answers a job's fires produced in a chat (the fake LLM echoes the scheduled prompt). */
const answersOf = (stack: TelegramStack, chatId: number, marker: string) => stack.telegram.sentTo(chatId).filter((m) => m.text.includes(marker));

describe('scheduled jobs under pm2', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack({
      schedulerInstances: 2,
      redis: { appendonly: true },
      configure: (config) => {
        config.gateway = { heartbeat: { enabled: true, intervalS: 2 } };
      },
    });
    await stack.cluster.waitOnline(['nanobot-scheduler']);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function addJob(...args: string[]): Promise<string> {
    const result = await stack.cluster.nanobot('cron', 'add', ...args);
    expect(result.code, result.stderr).toBe(0);
    const id = /Added job (\S+)/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    return id!;
  }

  it('fires a job added with `nanobot cron add` once per period with two schedulers, into the chat it names', async () => {
    const id = await addJob('--name', 'ping', '--message', 'say every-ping', '--every', '2', '--deliver', '--to', '7001', '--channel', 'telegram');
    await sleep(7_000);
    const answers = answersOf(stack, 7001, 'every-ping');
    // Fires at +2, +4, +6 s: three answers, not six (two schedulers) and none twice.
    expect(answers.length).toBeGreaterThanOrEqual(2);
    expect(answers.length).toBeLessThanOrEqual(4);
    const list = await stack.cluster.nanobot('cron', 'list');
    expect(list.stdout).toContain(id);
    expect(list.stdout).toMatch(/last \S+ ok/);
    const status = await stack.cluster.nanobot('status');
    expect(status.stdout).toContain('Scheduled jobs:');
    expect(status.stdout).toContain('nanobot-scheduler');
    // `cron remove` stops it at once: nothing more arrives.
    expect((await stack.cluster.nanobot('cron', 'remove', id)).code).toBe(0);
    await sleep(1_000);
    const settled = answersOf(stack, 7001, 'every-ping').length;
    await sleep(4_500);
    expect(answersOf(stack, 7001, 'every-ping').length).toBe(settled);
  }, 60_000);

  it('keeps firing after kill -9 of both schedulers and a Redis restart', async () => {
    const id = await addJob('--name', 'survivor', '--message', 'say survivor-ping', '--every', '2', '--deliver', '--to', '7002', '--channel', 'telegram');
    await stack.telegram.waitFor(() => answersOf(stack, 7002, 'survivor-ping').length >= 1, 10_000);
    for (const p of (await stack.cluster.processes()).filter((x) => x.name === 'nanobot-scheduler')) process.kill(p.pid, 'SIGKILL');
    await stack.redis.restart();
    const before = answersOf(stack, 7002, 'survivor-ping').length;
    await stack.telegram.waitFor(() => answersOf(stack, 7002, 'survivor-ping').length >= before + 2, 20_000);
    const texts = answersOf(stack, 7002, 'survivor-ping').map((m) => m.text);
    expect(texts.length).toBeGreaterThanOrEqual(before + 2);
    await stack.cluster.nanobot('cron', 'remove', id);
  }, 60_000);

  it('creates a job bound to the chat through the agent\'s cron tool, and its reminder arrives there', async () => {
    const at = new Date(Date.now() + 3_000).toISOString();
    stack.llm.script(
      { toolCalls: [{ name: 'cron', arguments: { action: 'add', message: 'remind about tool-reminder', at } }] },
      { content: 'I will remind you.' },
    );
    stack.telegram.injectMessage({ chatId: 7003, text: 'remind me in 3 seconds' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(7003).some((m) => m.text.includes('I will remind you.')), 15_000);
    await stack.telegram.waitFor(() => answersOf(stack, 7003, 'tool-reminder').length >= 1, 15_000);
    await sleep(2_000);
    expect(answersOf(stack, 7003, 'tool-reminder')).toHaveLength(1);
    const list = await stack.cluster.nanobot('cron', 'list', '--all', '--json');
    const jobs = JSON.parse(list.stdout) as Array<{ message: string; enabled: boolean; deliver?: { chatId: string } }>;
    expect(jobs.find((j) => j.message.includes('tool-reminder'))).toMatchObject({ enabled: false, deliver: { chatId: '7003' } });
  }, 60_000);

  it('pauses a job with `cron enable --disable` and runs it on demand with `cron run --force`', async () => {
    const id = await addJob('--name', 'paused', '--message', 'say paused-ping', '--every', '2', '--deliver', '--to', '7005', '--channel', 'telegram');
    await stack.telegram.waitFor(() => answersOf(stack, 7005, 'paused-ping').length >= 1, 10_000);
    expect((await stack.cluster.nanobot('cron', 'enable', id, '--disable')).code).toBe(0);
    await sleep(1_000);
    const paused = answersOf(stack, 7005, 'paused-ping').length;
    await sleep(4_500);
    expect(answersOf(stack, 7005, 'paused-ping')).toHaveLength(paused);
    const refused = await stack.cluster.nanobot('cron', 'run', id);
    expect(refused.code).toBe(1);
    expect((await stack.cluster.nanobot('cron', 'run', id, '--force')).code).toBe(0);
    await stack.telegram.waitFor(() => answersOf(stack, 7005, 'paused-ping').length === paused + 1, 10_000);
    await stack.cluster.nanobot('cron', 'remove', id);
  }, 60_000);

  it('refuses a bad job with the field named and stores nothing', async () => {
    const before = (await stack.cluster.nanobot('cron', 'list', '--all', '--json')).stdout;
    const badCron = await stack.cluster.nanobot('cron', 'add', '--name', 'x', '--message', 'm', '--cron', '61 * * * *');
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toContain('cron:');
    const past = await stack.cluster.nanobot('cron', 'add', '--name', 'x', '--message', 'm', '--at', '2020-01-01T00:00');
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('at:');
    const channel = await stack.cluster.nanobot('cron', 'add', '--name', 'x', '--message', 'm', '--every', '5', '--deliver', '--to', '1', '--channel', 'pigeon');
    expect(channel.code).toBe(1);
    expect(channel.stderr).toContain('channel:');
    expect((await stack.cluster.nanobot('cron', 'list', '--all', '--json')).stdout).toBe(before);
  }, 30_000);

  it('runs the heartbeat only for active tasks in HEARTBEAT.md, and reports to the last active chat', async () => {
    const workspace = join(stack.cluster.home, 'workspace');
    await mkdir(workspace, { recursive: true });
    await writeFile(join(workspace, 'HEARTBEAT.md'), '# Heartbeat Tasks\n\n## Active Tasks\n\n<!-- Add your periodic tasks below this line -->\n');
    stack.telegram.injectMessage({ chatId: 7004, text: 'hello there' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(7004).length === 1, 10_000);
    const heartbeatCalls = () => stack.llm.requests().filter((r) => JSON.stringify(r.body).includes('[Heartbeat:')).length;
    await sleep(4_500);
    // Two ticks with no task: no model call, no message.
    expect(heartbeatCalls()).toBe(0);
    expect(stack.telegram.sentTo(7004)).toHaveLength(1);
    let reported = 0;
    stack.llm.setResponder((request) => {
      if (!JSON.stringify(request.body).includes('[Heartbeat:')) return { content: 'ok' };
      reported += 1;
      return { content: reported === 1 ? 'The backup of last night failed: heartbeat-report.' : 'All clear.' };
    });
    await writeFile(join(workspace, 'HEARTBEAT.md'), '## Active Tasks\n\n- check last night\'s backup\n');
    await stack.telegram.waitFor(() => heartbeatCalls() >= 3, 15_000);
    await sleep(1_000);
    stack.llm.resetResponder();
    const reports = stack.telegram.sentTo(7004).filter((m) => m.text.includes('heartbeat-report'));
    expect(reports).toHaveLength(1);
    expect(stack.telegram.sentTo(7004)).toHaveLength(2);
  }, 60_000);
});
