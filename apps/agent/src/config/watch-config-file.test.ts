import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConfigWatcher } from './watch-config-file.js';

describe('the config file watcher', () => {
  let dir: string;
  let lines: Array<Record<string, unknown>>;
  let applied: Config[];
  const log = () => createLogger({ name: 'watch', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nb-watch-'));
    lines = [];
    applied = [];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const path = () => join(dir, 'config.json');
  const watcherFor = () =>
    createConfigWatcher({ path: path(), load: async () => (await loadConfig({ env: {}, homeDir: dir, path: path() })).config, apply: (c) => void applied.push(c), log: log() });

  it('applies a valid change once, and not the same text again', async () => {
    await writeFile(path(), '{"agents": {"defaults": {"model": "a"}}}');
    const watcher = watcherFor();
    await watcher.start();
    expect(await watcher.reload()).toBe('unchanged');
    await writeFile(path(), '{"agents": {"defaults": {"model": "b"}}}');
    expect(await watcher.reload()).toBe('applied');
    expect(await watcher.reload()).toBe('unchanged');
    expect(applied.map((c) => c.agents.defaults.model)).toEqual(['b']);
    watcher.stop();
  });

  it('refuses broken JSON and a wrong type with an error naming the file and the field', async () => {
    await writeFile(path(), '{}');
    const watcher = watcherFor();
    await watcher.start();
    await writeFile(path(), '{"agents": {"defaults": {"model": }}}');
    expect(await watcher.reload()).toBe('refused');
    await writeFile(path(), '{"providers": {"openai": {"apiKey": 42}}}');
    expect(await watcher.reload()).toBe('refused');
    expect(applied).toEqual([]);
    const [json, type] = lines.filter((l) => l.level === 'error');
    expect(json).toMatchObject({ code: 'CONFIG_INVALID', file: path(), msg: 'config change refused, the previous config stays in use' });
    expect(String(json?.reason)).toMatch(/config\.json/);
    expect(type).toMatchObject({ field: 'providers.openai.apiKey' });
    expect(String(type?.reason)).toContain('providers.openai.apiKey: expected string, received number');
    watcher.stop();
  });

  it('keeps the config in force when the file disappears', async () => {
    await writeFile(path(), '{}');
    const watcher = watcherFor();
    await watcher.start();
    await unlink(path());
    expect(await watcher.reload()).toBe('unchanged');
    expect(applied).toEqual([]);
    watcher.stop();
  });
});

describe('a config.json that is a symlink', () => {
  it('is watched where it really lives: an edit of the target applies', async () => {
    const { mkdir, symlink } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'nb-watch-link-'));
    await mkdir(join(dir, 'dotfiles'));
    await mkdir(join(dir, 'home'));
    const target = join(dir, 'dotfiles', 'nanobot.json');
    await writeFile(target, '{"agents": {"defaults": {"model": "a"}}}');
    await symlink(target, join(dir, 'home', 'config.json'));
    const seen: string[] = [];
    let resolveSeen: () => void = () => undefined;
    const applied = new Promise<void>((resolve) => (resolveSeen = resolve));
    const path = join(dir, 'home', 'config.json');
    const watcher = createConfigWatcher({
      path,
      load: async () => (await loadConfig({ env: {}, homeDir: dir, path })).config,
      apply: (config) => {
        seen.push(config.agents.defaults.model);
        resolveSeen();
      },
      log: createLogger({ name: 'watch', level: 'silent' }),
      debounceMs: 50,
    });
    await watcher.start();
    await writeFile(target, '{"agents": {"defaults": {"model": "b"}}}');
    await applied;
    expect(seen).toEqual(['b']);
    watcher.stop();
    await rm(dir, { recursive: true, force: true });
  });
});
