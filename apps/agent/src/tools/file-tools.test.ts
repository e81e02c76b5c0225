import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTools } from './file-tools.js';
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
    expect(await registry.run(call('read_file', { path: 'notes/a.txt' }), context)).toBe('hello there');
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
});
