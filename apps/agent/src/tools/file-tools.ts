import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defineTool, type Tool } from './tool-registry.js';
import type { PathGuard } from './protected-paths.js';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * nanobot's file tools: read_file, write_file, edit_file (old_text → new_text), list_dir.
 * Every path goes through the guard first and the tools open only the real path it returns;
 * a refusal reaches the model as the tool's result ("access denied: … is protected").
 */
export function createFileTools(guard: PathGuard): Tool[] {
  const readTool = defineTool({
    name: 'read_file',
    description: 'Read the contents of a file at the given path.',
    rerunSafe: true,
    schema: z.object({ path: z.string().min(1).describe('The file path to read') }),
    async execute({ path }) {
      const target = await guard.resolve(path, 'read');
      try {
        return await readFile(target, 'utf8');
      } catch (err) {
        if (isMissing(err)) return `Error: File not found: ${path}`;
        throw err;
      }
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
