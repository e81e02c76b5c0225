import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('nanobot --version', () => {
  it('prints the version of the repository, with -v too', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const run = spawnSync(process.execPath, [join(root, 'apps/cli/bin/nanobot.js'), flag], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe(version);
    }
  });
});
