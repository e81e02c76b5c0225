import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followFiles, readLastLines } from './tail-logs.js';

describe('tail-logs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nb-tail-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the last lines of a file, and nothing of one that does not exist', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(await readLastLines(path, 3)).toEqual(['line 47', 'line 48', 'line 49']);
    expect(await readLastLines(join(dir, 'none.log'), 3)).toEqual([]);
  });

  it('follows what is appended, whole lines only, and starts again after a rotation', async () => {
    const path = join(dir, 'b.log');
    await writeFile(path, 'old\n');
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followFiles([path], { onLine: (_, line) => seen.push(line), signal: stop.signal, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    await appendFile(path, 'new 1\nnew ');
    await expect.poll(() => seen, { timeout: 2_000 }).toEqual(['new 1']);
    await appendFile(path, '2\n');
    await expect.poll(() => seen, { timeout: 2_000 }).toEqual(['new 1', 'new 2']);
    await writeFile(path, 'after\n');
    await expect.poll(() => seen, { timeout: 2_000 }).toEqual(['new 1', 'new 2', 'after']);
    stop.abort();
    await following;
  });
});
