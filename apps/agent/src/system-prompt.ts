import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InboundMessage } from '@nanobot/core';

const bootstrapFiles = ['AGENTS.md', 'SOUL.md', 'USER.md', 'TOOLS.md'];

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A first version of nanobot's context: identity, time, channel hint, bootstrap files, memory. */
export function createSystemPrompt(workspace: string, runtime: string) {
  return (message: InboundMessage): string => {
    const parts = [
      '# nanobot 🐈',
      'You are nanobot, a helpful personal AI assistant.',
      `Current time: ${new Date().toISOString()} (${Intl.DateTimeFormat().resolvedOptions().timeZone})`,
      `Runtime: ${runtime}`,
      `Workspace: ${workspace}`,
      message.channel === 'telegram'
        ? 'Format replies in Markdown; it is rendered for Telegram.'
        : 'Reply in plain text without Markdown.',
    ];
    for (const name of [...bootstrapFiles, join('memory', 'MEMORY.md')]) {
      const text = readOptional(join(workspace, name));
      if (text !== null && text.trim() !== '') parts.push(`## ${name}\n\n${text.trim()}`);
    }
    return parts.join('\n\n');
  };
}
