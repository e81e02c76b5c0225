import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@nanobot/config';
import { onboard } from './onboard.js';

describe('nanobot onboard', () => {
  it('writes a config (mode 0600) that keeps the file tools inside the workspace', async () => {
    const home = await mkdtemp(join(tmpdir(), 'nb-onboard-'));
    const lines: string[] = [];
    await onboard(await loadConfig({ env: { NANOBOT_HOME: home }, homeDir: home }), { refresh: false, print: (l) => lines.push(l) });
    const written = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as { tools: { restrictToWorkspace: unknown } };
    expect(written.tools.restrictToWorkspace).toBe(true);
    expect((await stat(join(home, 'config.json'))).mode & 0o777).toBe(0o600);
    const loaded = await loadConfig({ env: { NANOBOT_HOME: home }, homeDir: home });
    expect(loaded.config.tools.restrictToWorkspace).toBe(true);
    expect(lines[0]).toBe(`Created config at ${join(home, 'config.json')}`);
  });
});
