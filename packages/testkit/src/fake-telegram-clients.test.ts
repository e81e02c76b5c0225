import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from './fake-telegram.js';

let telegram: FakeTelegram | undefined;

afterEach(async () => {
  await telegram?.close();
  telegram = undefined;
});

/** Runs `getMe` from a child process; resolves with the child's pid once it exited. */
function getMeFromChild(apiRoot: string, token: string): Promise<number> {
  const script = `await fetch(${JSON.stringify(`${apiRoot}/bot${token}/getMe`)}).then((r) => r.text())`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(child.pid ?? 0) : reject(new Error(`child exited with ${code}`))));
  });
}

describe.runIf(process.platform === 'linux')('fake Telegram: which process made a call', () => {
  it('records the pid of the process behind each connection', async () => {
    telegram = await startFakeTelegram({ identifyClients: true });
    const first = await getMeFromChild(telegram.apiRoot, telegram.token);
    const second = await getMeFromChild(telegram.apiRoot, telegram.token);
    await fetch(`${telegram.apiRoot}/bot${telegram.token}/getMe`).then((r) => r.text());
    expect(telegram.calls('getMe').map((c) => c.pid)).toEqual([first, second, process.pid]);
    expect(first).not.toBe(second);
  });

  it('records no pid unless asked to', async () => {
    telegram = await startFakeTelegram();
    await getMeFromChild(telegram.apiRoot, telegram.token);
    expect(telegram.calls('getMe')[0]?.pid).toBeUndefined();
  });
});

describe('fake Telegram: a hook right before an answer', () => {
  it('runs with the call and its answer before the client can read it', async () => {
    telegram = await startFakeTelegram();
    const seen: Array<{ status: number; ok: boolean }> = [];
    telegram.beforeAnswer('getMe', (call, answer) => seen.push({ status: call.status, ok: answer.ok }));
    const response = await fetch(`${telegram.apiRoot}/bot${telegram.token}/getMe`);
    expect(seen).toEqual([{ status: 200, ok: true }]); // already ran when the answer arrived
    await response.text();
    telegram.beforeAnswer('getMe', undefined);
    await fetch(`${telegram.apiRoot}/bot${telegram.token}/getMe`).then((r) => r.text());
    expect(seen).toHaveLength(1);
  });
});
