import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSystemPromptBuilder } from './build-system-prompt.js';

async function workspaceWith(files: Record<string, string>): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'nb-prompt-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(workspace, path, '..'), { recursive: true });
    await writeFile(join(workspace, path), text);
  }
  return workspace;
}

describe('the system prompt', () => {
  it('contains identity, time zone, bootstrap files, memory and the skills', async () => {
    const workspace = await workspaceWith({
      'AGENTS.md': 'Be brief.',
      'SOUL.md': 'Curious and kind.',
      'USER.md': 'The user is Ada.',
      'TOOLS.md': 'Use list_dir first.',
      'memory/MEMORY.md': 'Ada lives in Lisbon.',
      'skills/weather/SKILL.md': '---\nname: weather\ndescription: Get the weather\n---\nCall the weather API.',
      'skills/github/SKILL.md': '---\nname: github\ndescription: Work with GitHub\nmetadata: {"nanobot":{"requires":{"bins":["surely-not-installed-gh"],"env":["NB_TEST_GH_TOKEN"]}}}\n---\nUse gh.',
      'skills/style/SKILL.md': '---\nname: style\ndescription: House style\nalways: true\n---\nAlways answer in haiku.',
    });
    const build = createSystemPromptBuilder({
      workspace,
      runtime: 'Node.js v20 on linux x64',
      timeZone: 'Europe/Lisbon',
      now: () => new Date('2026-03-01T12:30:00Z'),
      env: { PATH: '/usr/bin' },
    });
    const prompt = await build({ channel: 'whatsapp', chatId: '351900' });
    expect(prompt).toContain('Time zone: Europe/Lisbon');
    expect(prompt).not.toContain('12:30');
    expect(prompt).toContain('Node.js v20 on linux x64');
    expect(prompt).toContain(`Your workspace is at: ${workspace}`);
    expect(prompt).toContain('plain text without Markdown');
    for (const text of ['Be brief.', 'Curious and kind.', 'The user is Ada.', 'Use list_dir first.', 'Ada lives in Lisbon.']) expect(prompt).toContain(text);
    expect(prompt).toContain('### Skill: style\n\nAlways answer in haiku.');
    expect(prompt).toContain('<name>weather</name>');
    expect(prompt).not.toContain('Call the weather API.');
    expect(prompt).toMatch(/<skill available="false">\s*<name>github<\/name>[\s\S]*<requires>CLI: surely-not-installed-gh, ENV: NB_TEST_GH_TOKEN<\/requires>/);
  });

  it('stays byte-identical as the clock moves, so providers can cache it', async () => {
    let now = new Date('2026-03-01T12:30:00Z');
    const build = createSystemPromptBuilder({ workspace: await workspaceWith({ 'AGENTS.md': 'Be brief.' }), runtime: 'r', timeZone: 'UTC', now: () => now, env: {} });
    const first = await build({ channel: 'telegram', chatId: '1' });
    now = new Date('2026-03-02T08:01:00Z');
    expect(await build({ channel: 'telegram', chatId: '1' })).toBe(first);
  });

  it('asks for Markdown on Telegram', async () => {
    const build = createSystemPromptBuilder({ workspace: await workspaceWith({}), runtime: 'r', timeZone: 'UTC', now: () => new Date(), env: {} });
    expect(await build({ channel: 'telegram', chatId: '1' })).toContain('You are replying on Telegram: use simple Markdown');
  });
});
