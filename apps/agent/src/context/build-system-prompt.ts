import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChannelName } from '@nanobot/core';
import { loadSkills, toSkillsSummary } from './load-skills.js';

export const bootstrapFiles = ['AGENTS.md', 'SOUL.md', 'USER.md', 'TOOLS.md'] as const;

export type SystemPromptDeps = {
  workspace: string;
  /** e.g. `Node.js v20.19.0 on linux x64`. */
  runtime: string;
  timeZone: string;
  /** Not read by the prompt (the clock is in the runtime context, runtime-context.ts); kept for callers. */
  now: () => Date;
  /** For skill requirements (`env`, and `PATH` for `bins`). */
  env: Record<string, string | undefined>;
};

export type PromptTarget = { channel: ChannelName; chatId: string };

async function readOptional(path: string): Promise<string | null> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trim() === '' ? null : text.trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const formatHints: Record<ChannelName, string> = {
  telegram: 'You are replying on Telegram: use simple Markdown (bold, italic, `code`, code blocks, links); no tables or HTML.',
  whatsapp: 'You are replying on WhatsApp: write plain text without Markdown.',
  discord: 'You are replying on Discord: Markdown works (bold, italic, `code`, code blocks, links); no tables; keep it under 2000 characters where you can.',
  slack: 'You are replying on Slack: use simple Markdown (bold, italic, `code`, code blocks, links, lists); it is shown as Slack formatting.',
  email: 'You are replying by email: plain text with light Markdown (bold, italic, `code`, code blocks, links); it is also sent as HTML.',
  cli: 'You are replying in a terminal: plain text or light Markdown.',
  system: 'This is a system-triggered turn: reply in plain text.',
  api: 'You are replying through an OpenAI-compatible API: Markdown is fine.',
};

/** Building an Intl formatter costs ~0.2 ms; a process uses one time zone, so they are kept. */
const formatters = new Map<string, { dateTime: Intl.DateTimeFormat; weekday: Intl.DateTimeFormat }>();

export function formatTime(now: Date, timeZone: string): string {
  let pair = formatters.get(timeZone);
  if (pair === undefined) {
    pair = {
      dateTime: new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }),
      weekday: new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long' }),
    };
    formatters.set(timeZone, pair);
  }
  return `${pair.dateTime.format(now).replace(',', '')} (${pair.weekday.format(now)}) (${timeZone})`;
}

function identity(deps: SystemPromptDeps, target: PromptTarget): string {
  const ws = deps.workspace;
  return [
    '# nanobot 🐈',
    'You are nanobot, a helpful personal AI assistant. You can read, write and edit files in your workspace and list directories.',
    `## Runtime\n${deps.runtime}\nTime zone: ${deps.timeZone}. The current time comes with each user message, in a Runtime Context block.`,
    `## Workspace\nYour workspace is at: ${ws}\n- Long-term memory: ${join(ws, 'memory', 'MEMORY.md')}\n- History log: ${join(ws, 'memory', 'HISTORY.md')} (grep-searchable)\n- Custom skills: ${join(ws, 'skills')}/{skill-name}/SKILL.md`,
    `## Current Session\nChannel: ${target.channel}\nChat ID: ${target.chatId}\n${formatHints[target.channel]}`,
    'Reply directly with text for conversations. When remembering something important, write it to memory/MEMORY.md.',
  ].join('\n\n');
}

/**
 * nanobot's system prompt: identity (runtime and time zone, workspace and memory
 * paths, channel and its format), the bootstrap files, long-term memory, the
 * always-on skills in full and a summary of the others. Read fresh every turn,
 * so edits to the workspace apply at once. Nothing in it changes by itself between
 * turns (no clock): it is the cacheable prefix of every request.
 */
export function createSystemPromptBuilder(deps: SystemPromptDeps) {
  return async (target: PromptTarget): Promise<string> => {
    const parts = [identity(deps, target)];
    for (const name of bootstrapFiles) {
      const text = await readOptional(join(deps.workspace, name));
      if (text !== null) parts.push(`## ${name}\n\n${text}`);
    }
    const memory = await readOptional(join(deps.workspace, 'memory', 'MEMORY.md'));
    if (memory !== null) parts.push(`# Memory\n\n## Long-term Memory\n${memory}`);
    const skills = await loadSkills(deps.workspace, deps.env);
    const always = skills.filter((s) => s.always && s.missing.length === 0);
    if (always.length > 0) parts.push(`# Active Skills\n\n${always.map((s) => `### Skill: ${s.name}\n\n${s.body}`).join('\n\n---\n\n')}`);
    const others = skills.filter((s) => !always.includes(s));
    if (others.length > 0) {
      parts.push(
        `# Skills\n\nThe following skills extend your capabilities. To use a skill, read its SKILL.md file using the read_file tool.\nSkills with available="false" need their requirements installed first.\n\n${toSkillsSummary(others)}`,
      );
    }
    return parts.join('\n\n---\n\n');
  };
}

export type SystemPromptBuilder = ReturnType<typeof createSystemPromptBuilder>;
