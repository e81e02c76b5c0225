import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTools, toPage } from './file-tools.js';
import { createPathGuard } from './protected-paths.js';
import { createToolRegistry } from './tool-registry.js';

const context = { signal: new AbortController().signal, sessionKey: 'cli:direct' };
const call = (name: string, args: unknown) => ({ id: 'c1', name, argumentsJson: JSON.stringify(args) });

async function setUp(restrictToWorkspace: boolean) {
  const home = await mkdtemp(join(tmpdir(), 'nb-tools-'));
  const workspace = join(home, 'workspace');
  await mkdir(workspace);
  const registry = createToolRegistry();
  for (const tool of createFileTools(createPathGuard({ workspace, nanobotHome: home, restrictToWorkspace }))) registry.register(tool);
  return { home, workspace, registry };
}

describe('the file tools', () => {
  it('write, edit, read and list files inside the workspace', async () => {
    const { workspace, registry } = await setUp(true);
    expect(await registry.run(call('write_file', { path: 'notes/a.txt', content: 'hello world' }), context)).toMatch(/Successfully wrote 11 bytes/);
    expect(await registry.run(call('edit_file', { path: 'notes/a.txt', old_text: 'world', new_text: 'there' }), context)).toMatch(/Successfully edited/);
    expect(await readFile(join(workspace, 'notes/a.txt'), 'utf8')).toBe('hello there');
    expect(await registry.run(call('read_file', { path: 'notes/a.txt' }), context)).toBe('1| hello there\n\n(end of file, 1 lines)');
    expect(await registry.run(call('list_dir', { path: '.' }), context)).toBe('📁 notes');
    expect(await registry.run(call('edit_file', { path: 'notes/a.txt', old_text: 'absent', new_text: 'x' }), context)).toMatch(/old_text not found/);
  });

  it('change nothing behind a refused path: edit and write through a symlink to the config', async () => {
    for (const restrict of [false, true]) {
      const { home, workspace, registry } = await setUp(restrict);
      await writeFile(join(home, 'config.json'), '{"original":true}');
      await symlink(join(home, 'config.json'), join(workspace, 'settings.json'));
      expect(await registry.run(call('write_file', { path: 'settings.json', content: '{}' }), context)).toBe('Error executing write_file: access denied: settings.json is protected');
      expect(await registry.run(call('edit_file', { path: join(home, 'config.json'), old_text: 'true', new_text: 'false' }), context)).toMatch(/access denied: .* is protected$/);
      expect(await readFile(join(home, 'config.json'), 'utf8')).toBe('{"original":true}');
    }
  });

  it('refuses a write outside the workspace when restricted, and leaves the target alone', async () => {
    const { workspace, registry } = await setUp(true);
    const outside = await mkdtemp(join(tmpdir(), 'nb-outside-'));
    await symlink(join(outside, 'authorized_keys'), join(workspace, 'keys'));
    expect(await registry.run(call('write_file', { path: 'keys', content: 'ssh-ed25519 AAAA' }), context)).toBe('Error executing write_file: access denied: keys is outside the workspace');
    await expect(readFile(join(outside, 'authorized_keys'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads a large file in numbered pages with offset and limit, and says how to read on', async () => {
    const { workspace, registry } = await setUp(true);
    await writeFile(join(workspace, 'big.txt'), Array.from({ length: 5_000 }, (_, i) => `line ${i + 1}`).join('\n'));
    const first = await registry.run(call('read_file', { path: 'big.txt' }), context);
    expect(first.split('\n')[0]).toBe('1| line 1');
    // The page ends at a whole line within its budget, and the note says where the next one starts.
    const last = Number(/(\d+)\| line \d+\n\n\(lines 1-(\d+) of 5000; read on with offset=(\d+)\)$/.exec(first)?.[1]);
    expect(last).toBeGreaterThan(1_000);
    expect(first.endsWith(`(lines 1-${last} of 5000; read on with offset=${last + 1})`)).toBe(true);
    expect(first).not.toContain('truncated');
    expect(await registry.run(call('read_file', { path: 'big.txt', offset: 100, limit: 2 }), context)).toBe('100| line 100\n101| line 101\n\n(lines 100-101 of 5000; read on with offset=102)');
    expect(await registry.run(call('read_file', { path: 'big.txt', offset: 4999, limit: 10 }), context)).toBe('4999| line 4999\n5000| line 5000\n\n(end of file, 5000 lines)');
    expect(await registry.run(call('read_file', { path: 'big.txt', offset: 6000 }), context)).toBe('Error: offset 6000 is past the end of the file (5000 lines)');
    expect(await registry.run(call('read_file', { path: 'big.txt', offset: 0 }), context)).toMatch(/^Error: Invalid parameters for tool 'read_file': offset/);
  });

  it('cuts a page at the last whole line within its character budget', () => {
    const page = toPage(Array.from({ length: 100 }, () => 'x'.repeat(40)).join('\n'), { offset: 1, limit: 100, maxChars: 450 });
    expect(page.split('\n\n')[0]?.split('\n')).toHaveLength(10);
    expect(page.endsWith('(lines 1-10 of 100; read on with offset=11)')).toBe(true);
  });
});
