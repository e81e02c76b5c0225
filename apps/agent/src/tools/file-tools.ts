import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defineTool, type Tool } from './tool-registry.js';
import type { PathGuard } from './protected-paths.js';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * How much one read_file call returns: a page of lines, within a character budget that stays
 * under the registry's cut of a tool result (16,000 chars), so the note on how to read on is kept.
 */
export const readLimits = { lines: 2_000, chars: 15_000, fileBytes: 50 * 1048576 } as const;

/**
 * One page of a text file, lines numbered from 1, with a note saying how to read on. A page is
 * cut at the line that would pass the character budget, so the model never gets half a line.
 */
export function toPage(text: string, options: { offset: number; limit: number; maxChars?: number }): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const total = lines.length;
  if (text === '') return '(empty file)';
  if (options.offset > total) return `Error: offset ${options.offset} is past the end of the file (${total} lines)`;
  const maxChars = options.maxChars ?? readLimits.chars;
  const out: string[] = [];
  let chars = 0;
  let last = options.offset - 1;
  for (let i = options.offset - 1; i < Math.min(total, options.offset - 1 + options.limit); i += 1) {
    const line = `${i + 1}| ${lines[i] ?? ''}`;
    if (out.length > 0 && chars + line.length + 1 > maxChars) break;
    out.push(line);
    chars += line.length + 1;
    last = i + 1;
  }
  const note = last < total ? `(lines ${options.offset}-${last} of ${total}; read on with offset=${last + 1})` : `(end of file, ${total} lines)`;
  return `${out.join('\n')}\n\n${note}`;
}

/**
 * nanobot's file tools: read_file, write_file, edit_file (old_text → new_text), list_dir.
 * Every path goes through the guard first and the tools open only the real path it returns;
 * a refusal reaches the model as the tool's result ("access denied: … is protected").
 */
export function createFileTools(guard: PathGuard): Tool[] {
  const readTool = defineTool({
    name: 'read_file',
    description:
      'Read a text file at the given path. Lines come numbered ("12| text"); a large file comes in pages: use offset (first line, from 1) and limit (lines) to read on.',
    rerunSafe: true,
    schema: z.object({
      path: z.string().min(1).describe('The file path to read'),
      offset: z.number().int().min(1).optional().describe('The line to start at, counting from 1 (default 1)'),
      limit: z.number().int().min(1).optional().describe(`How many lines to read (default ${readLimits.lines})`),
    }),
    async execute({ path, offset, limit }) {
      const target = await guard.resolve(path, 'read');
      let size: number;
      try {
        size = (await stat(target)).size;
      } catch (err) {
        if (isMissing(err)) return `Error: File not found: ${path}`;
        throw err;
      }
      if (size > readLimits.fileBytes) return `Error: ${path} is ${Math.round(size / 1048576)} MB, larger than the ${readLimits.fileBytes / 1048576} MB read_file reads`;
      return toPage(await readFile(target, 'utf8'), { offset: offset ?? 1, limit: limit ?? readLimits.lines });
    },
  });
  const writeTool = defineTool({
    name: 'write_file',
    description: 'Write content to a file at the given path. Creates parent directories if needed.',
    // Writing the same content again leaves the same file.
    rerunSafe: true,
    schema: z.object({ path: z.string().min(1).describe('The file path to write to'), content: z.string().describe('The content to write') }),
    async execute({ path, content }) {
      const target = await guard.resolve(path, 'write');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content, 'utf8');
      return `Successfully wrote ${Buffer.byteLength(content)} bytes to ${path}`;
    },
  });
  const editTool = defineTool({
    name: 'edit_file',
    description: 'Edit a file by replacing old_text with new_text. old_text must appear exactly once in the file.',
    schema: z.object({
      path: z.string().min(1).describe('The file path to edit'),
      old_text: z.string().min(1).describe('The exact text to find and replace'),
      new_text: z.string().describe('The text to replace it with'),
    }),
    async execute({ path, old_text: oldText, new_text: newText }) {
      const target = await guard.resolve(path, 'write');
      let content: string;
      try {
        content = await readFile(target, 'utf8');
      } catch (err) {
        if (isMissing(err)) return `Error: File not found: ${path}`;
        throw err;
      }
      const count = content.split(oldText).length - 1;
      if (count === 0) return 'Error: old_text not found in file. Make sure it matches exactly.';
      if (count > 1) return `Warning: old_text appears ${count} times. Please provide more context to make it unique.`;
      await writeFile(target, content.replace(oldText, () => newText), 'utf8');
      return `Successfully edited ${path}`;
    },
  });
  const listTool = defineTool({
    name: 'list_dir',
    description: 'List the contents of a directory.',
    rerunSafe: true,
    schema: z.object({ path: z.string().min(1).describe('The directory path to list') }),
    async execute({ path }) {
      const target = await guard.resolve(path, 'read');
      try {
        if (!(await stat(target)).isDirectory()) return `Error: Not a directory: ${path}`;
      } catch (err) {
        if (isMissing(err)) return `Error: Directory not found: ${path}`;
        throw err;
      }
      const entries = (await readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      if (entries.length === 0) return `Directory ${path} is empty`;
      return entries.map((e) => `${e.isDirectory() ? '📁' : '📄'} ${e.name}`).join('\n');
    },
  });
  return [readTool, writeTool, editTool, listTool];
}
