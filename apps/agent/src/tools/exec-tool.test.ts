import { readFileSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createToolAgent, lastToolResults, signal } from '../test-support/tool-agent.js';

/** Running (a killed orphan may stay a zombie when PID 1 does not reap, as in containers: that is dead). */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const waitUntil = async (check: () => boolean | Promise<boolean>, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('exec, through the agent loop and the fake LLM, with real processes', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
  });
  afterAll(async () => llm.close());
  beforeEach(() => llm.resetResponder());

  /** One turn in which the model runs these commands, then answers 'done'. */
  async function execTurn(commands: Array<string | Record<string, unknown>>, options: Parameters<typeof createToolAgent>[1] = {}) {
    const t = await createToolAgent(llm, options);
    llm.script({ toolCalls: commands.map((c) => ({ name: 'exec', arguments: typeof c === 'string' ? { command: c } : c })) }, { content: 'done' });
    await t.agent.handleTurn(t.message('run it'), { signal });
    return { ...t, results: lastToolResults(llm) };
  }

  it('runs a command in the workspace and gives its output, stderr and exit code', async () => {
    const { results, workspace, sent } = await execTurn(['pwd; echo out; echo err >&2; exit 3', 'echo hi > made.txt']);
    expect(results[0]).toBe(`${workspace}\nout\nSTDERR:\nerr\n\nExit code: 3`);
    expect(await readFile(join(workspace, 'made.txt'), 'utf8')).toBe('hi\n');
    expect(sent.map((r) => r.text)).toEqual(['done']);
  });

  it('keeps the head and the tail of a long output, 10,000 chars in all', async () => {
    const { results } = await execTurn(['echo START; head -c 50000 /dev/zero | tr "\\0" x; echo; echo END']);
    const out = results[0] ?? '';
    expect(out.startsWith('START\nxxx')).toBe(true);
    expect(out).toMatch(/END\n\nExit code: 0$/);
    expect(out).toMatch(/\.\.\. \(\d+ chars truncated\) \.\.\./);
    expect(out.length).toBeLessThan(10_200);
  });

  it('refuses a denied command, and the canary it aims at survives', async () => {
    const t = await createToolAgent(llm);
    await writeFile(join(t.workspace, 'canary.txt'), 'alive');
    llm.script(
      {
        toolCalls: [
          { name: 'exec', arguments: { command: 'rm -rf canary.txt' } },
          { name: 'exec', arguments: { command: 'ls && rm -r -v ./canary.txt' } },
          { name: 'exec', arguments: { command: 'dd if=/dev/zero of=canary.txt bs=1 count=1' } },
          { name: 'exec', arguments: { command: ':(){ :|:& };:' } },
          { name: 'exec', arguments: { command: 'sudo shutdown -h now' } },
        ],
      },
      { content: 'done' },
    );
    await t.agent.handleTurn(t.message('clean up'), { signal });
    expect(lastToolResults(llm)).toEqual(new Array(5).fill('Error: Command blocked by deny pattern filter'));
    expect(await readFile(join(t.workspace, 'canary.txt'), 'utf8')).toBe('alive');
  });

  it('adds denyPatterns to the list, and with allowPatterns runs only what every part of matches', async () => {
    const denied = await execTurn(['curl -s example.invalid'], { tools: { exec: { denyPatterns: ['\\bcurl\\b'] } } });
    expect(denied.results).toEqual(['Error: Command blocked by deny pattern filter']);
    const allowed = await execTurn(['echo ok && ls', 'echo ok; cat /etc/hostname', 'rm -rf build'], { tools: { exec: { allowPatterns: ['echo \\w+', 'ls', 'rm -rf build'] } } });
    expect(allowed.results[0]).toMatch(/^ok\n[\s\S]*Exit code: 0$/);
    expect(allowed.results[1]).toBe('Error: Command blocked by allowlist filter (not in allowlist)');
    // An allowed command skips the deny list (nanobot's way to let `rm -rf build` through).
    expect(allowed.results[2]).toMatch(/Exit code: 0$/);
  });

  it('with restrictToWorkspace, refuses ../, absolute paths and a symlink that points out', async () => {
    const t = await createToolAgent(llm, { tools: { restrictToWorkspace: true } });
    const outside = join(t.home, '..', 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'outside-secret');
    await symlink(outside, join(t.workspace, 'door'));
    await writeFile(join(t.workspace, 'inside.txt'), 'inside');
    const commands = ['cat ../../outside/secret.txt', `cat ${outside}/secret.txt`, 'cat door/secret.txt', 'cd .. && cat ../outside/secret.txt', 'bash -c "cat /etc/hostname"', 'cat $HOME/../outside/secret.txt', 'cat ~/../out*/secret.txt', 'cat inside.txt'];
    llm.script({ toolCalls: commands.map((command) => ({ name: 'exec', arguments: { command } })) }, { content: 'done' });
    await t.agent.handleTurn(t.message('read'), { signal });
    const results = lastToolResults(llm);
    for (const result of results.slice(0, -1)) expect(result).toMatch(/^Error: Command blocked by safety guard \(access denied: .* is (outside the workspace|protected)\)/);
    expect(results.at(-1)).toBe('inside\n\nExit code: 0');
    expect(JSON.stringify(llm.requests().map((r) => r.body))).not.toContain('outside-secret');
  });

  it("keeps the cluster's secrets out of reach without restrictToWorkspace too", async () => {
    const t = await createToolAgent(llm);
    await symlink(join(t.home, 'config.json'), join(t.workspace, 'innocent.txt'));
    const commands = [`cat ${t.home}/config.json`, 'cat innocent.txt', 'cat ~/config.json', 'cat ~/conf*.json', `cd ${t.home} && cat config.json`, 'grep -r sk- ~', 'cat /proc/self/environ', 'cat /proc/$PPID/environ', 'python3 -c "print(open(\'$HOME/config.json\').read())"'];
    llm.script({ toolCalls: commands.map((command) => ({ name: 'exec', arguments: { command } })) }, { content: 'done' });
    await t.agent.handleTurn(t.message('show config'), { signal });
    const results = lastToolResults(llm);
    expect(results).toHaveLength(commands.length);
    for (const result of results) expect(result).toMatch(/^Error: Command blocked by safety guard \(access denied: .* is protected\)/);
    expect(JSON.stringify(llm.requests().map((r) => r.body))).not.toContain('sk-config-secret-1');
  });

  it('passes only PATH, HOME, LANG, TERM and allowedEnvKeys to a command, never API keys or REDIS_URL', async () => {
    const env = { PATH: process.env['PATH'], HOME: '/tmp', OPENAI_API_KEY: 'sk-env-secret-9', REDIS_URL: 'redis://:pw-secret@127.0.0.1:1', GOPATH: '/go' };
    const { results } = await execTurn(['env | sort'], { env, tools: { exec: { allowedEnvKeys: ['GOPATH', 'REDIS_URL'], pathAppend: '/opt/extra' } } });
    const names = (results[0] ?? '').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=')[0]);
    expect(names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n ?? ''))).toEqual(['GOPATH', 'HOME', 'LANG', 'PATH', 'TERM']);
    expect(results[0]).toContain(`PATH=${process.env['PATH']}:/opt/extra`);
    expect(results[0]).not.toContain('secret');
  });

  it('kills a command that outlives its timeout together with the processes it started', async () => {
    const t = await createToolAgent(llm, { tools: { exec: { timeout: 1 } } });
    const pidFile = join(t.workspace, 'pids');
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: `sleep 30 & echo $! > pids; echo $$ >> pids; sleep 30` } }] }, { content: 'done' });
    const started = Date.now();
    await t.agent.handleTurn(t.message('wait'), { signal });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(lastToolResults(llm)[0]).toMatch(/^Error: Command timed out after 1 seconds; it was killed with every process it started\./);
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    await waitUntil(() => pids.every((pid) => !isAlive(pid)));
  });

  it('kills the running command and its children on /stop (the turn signal) and when the agent stops', async () => {
    for (const how of ['stop', 'shutdown'] as const) {
      const turn = new AbortController();
      const shutdown = new AbortController();
      const t = await createToolAgent(llm, { shutdown: shutdown.signal });
      // A stopped turn asks the model nothing more; a shutdown lets the turn finish.
      llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'sleep 30 & echo $! > pids; sleep 30' } }] }, ...(how === 'stop' ? [] : [{ content: 'done' }]));
      const running = t.agent.handleTurn(t.message('wait'), { signal: turn.signal });
      await waitUntil(async () => (await readFile(join(t.workspace, 'pids'), 'utf8').catch(() => '')).trim() !== '');
      const child = Number((await readFile(join(t.workspace, 'pids'), 'utf8')).trim());
      expect(isAlive(child)).toBe(true);
      (how === 'stop' ? turn : shutdown).abort();
      const outcome = await running;
      await waitUntil(() => !isAlive(child));
      if (how === 'stop') expect(outcome).toEqual({ kind: 'cancelled' });
      else expect(lastToolResults(llm)[0]).toMatch(/^Error: Command stopped because the agent is shutting down/);
    }
  });

  it('refuses a command that names a URL of a private address, unless tools.ssrfWhitelist covers it', async () => {
    const blocked = await execTurn(['curl -s http://169.254.169.254/latest/meta-data/', 'wget -qO- http://127.0.0.1:9/x']);
    for (const r of blocked.results) expect(r).toMatch(/^Error: Command blocked by safety guard \(internal\/private URL: .* is a private or internal address/);
    const allowed = await execTurn(['echo http://127.0.0.1:9/x'], { tools: { ssrfWhitelist: ['127.0.0.1/32'] } });
    expect(allowed.results).toEqual(['http://127.0.0.1:9/x\n\nExit code: 0']);
  });

  it('is not offered to the model with tools.exec.enable false', async () => {
    const t = await createToolAgent(llm, { tools: { exec: { enable: false } } });
    expect(t.agent.tools.names()).not.toContain('exec');
    expect(t.agent.tools.names()).toEqual(expect.arrayContaining(['read_file', 'web_search', 'web_fetch', 'message']));
  });
});
