import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '@nanobot/testkit';

/** Debian's chromium (scripts/ensure-chromium.sh installs it); a browser is never downloaded. */
export const chromiumPath = '/usr/bin/chromium';

/** Where screenshots go: kept by CI as test artifacts, ignored by git. */
export const artifactsDir = join(repoRoot, '.test-output');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: run \`bash scripts/ensure-chromium.sh\` (Debian's chromium package)`);
  }
  await mkdir(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
