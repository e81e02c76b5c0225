import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, startFakeWhatsappBridge, writeConfig, type FakeWhatsappBridge } from '@nanobot/testkit';

/** Runs `nanobot channels login whatsapp`, collecting its output as it comes. */
function login(home: string) {
  const child = spawn(process.execPath, [join(repoRoot, 'apps/cli/bin/nanobot.js'), 'channels', 'login', 'whatsapp'], {
    env: { PATH: process.env.PATH, HOME: home, NANOBOT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { output: () => output, exited, kill: () => child.kill('SIGKILL') };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nanobot channels login whatsapp', () => {
  let bridge: FakeWhatsappBridge;
  let home: string;

  beforeEach(async () => {
    bridge = await startFakeWhatsappBridge();
    home = await mkdtemp(join(tmpdir(), 'nanobot-login-'));
    await writeConfig(home, { channels: { whatsapp: { enabled: true, bridgeUrl: bridge.url, bridgeToken: bridge.token, runBridge: false } } });
  });
  afterEach(async () => {
    await bridge.close();
    await rm(home, { recursive: true, force: true });
  });

  it('shows the QR code and returns once the phone has linked', async () => {
    bridge.setLink('qr', 'QR-PAYLOAD-1');
    const run = login(home);
    try {
      await until(() => run.output().includes('Scan this code in WhatsApp'), 15_000, 'the QR prompt');
      bridge.setLink('connected');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('WhatsApp is linked.');
    } finally {
      run.kill();
    }
  });

  it('asks a logged-out bridge for a new QR code (re-link) and waits for the link', async () => {
    bridge.setLink('logged_out', 'QR-AFTER-LOGOUT');
    const run = login(home);
    try {
      await until(() => run.output().includes('Scan this code in WhatsApp'), 15_000, 'the QR prompt after logout');
      bridge.setLink('connected');
      expect(await run.exited).toBe(0);
    } finally {
      run.kill();
    }
  });
});
