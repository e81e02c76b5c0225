import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { parseFrontMatter } from './parse-front-matter.js';

export type Skill = {
  name: string;
  description: string;
  path: string;
  always: boolean;
  /** Missing requirements (`CLI: gh`, `ENV: GITHUB_TOKEN`); empty when the skill is usable. */
  missing: string[];
  body: string;
};

type Requires = { bins?: unknown; env?: unknown };

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** `always` and `requires` at the top level, or in `metadata.nanobot` / `metadata.openclaw` / `metadata`. */
function readOptions(data: Record<string, unknown>): { always: boolean; requires: Requires } {
  const metadata = (typeof data.metadata === 'object' && data.metadata !== null ? data.metadata : {}) as Record<string, unknown>;
  const scoped = (metadata.nanobot ?? metadata.openclaw ?? metadata) as Record<string, unknown>;
  const always = data.always === true || scoped.always === true;
  const requires = (data.requires ?? scoped.requires ?? {}) as Requires;
  return { always, requires };
}

async function onPath(bin: string, pathVar: string): Promise<boolean> {
  for (const dir of pathVar.split(delimiter).filter((d) => d !== '')) {
    try {
      await access(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      // Not in this directory; try the next one.
    }
  }
  return false;
}

async function missingOf(requires: Requires, env: Record<string, string | undefined>): Promise<string[]> {
  const missing: string[] = [];
  for (const bin of strings(requires.bins)) if (!(await onPath(bin, env.PATH ?? ''))) missing.push(`CLI: ${bin}`);
  for (const name of strings(requires.env)) if (!env[name]) missing.push(`ENV: ${name}`);
  return missing;
}

/** Skills of the workspace: `skills/<name>/SKILL.md`, sorted by name. */
export async function loadSkills(workspace: string, env: Record<string, string | undefined>): Promise<Skill[]> {
  const dir = join(workspace, 'skills');
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const skills: Skill[] = [];
  for (const name of names) {
    const path = join(dir, name, 'SKILL.md');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const { data, body } = parseFrontMatter(text);
    const { always, requires } = readOptions(data);
    const description = typeof data.description === 'string' ? data.description : name;
    skills.push({ name: typeof data.name === 'string' ? data.name : name, description, path, always, missing: await missingOf(requires, env), body: body.trim() });
  }
  return skills;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** nanobot's skills summary: every skill with its availability; the model reads SKILL.md on demand. */
export function toSkillsSummary(skills: Skill[]): string {
  const lines = skills.map((s) => {
    const requires = s.missing.length > 0 ? `\n    <requires>${escapeXml(s.missing.join(', '))}</requires>` : '';
    return `  <skill available="${s.missing.length === 0}">\n    <name>${escapeXml(s.name)}</name>\n    <description>${escapeXml(s.description)}</description>\n    <location>${escapeXml(s.path)}</location>${requires}\n  </skill>`;
  });
  return `<skills>\n${lines.join('\n')}\n</skills>`;
}
