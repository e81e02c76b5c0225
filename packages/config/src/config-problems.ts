import { AppError } from '@nanobot/core';
import type { z } from 'zod';

/** One bad field: its dotted path and what was expected/received. Never the value itself. */
export type ConfigProblem = { path: string; message: string };

/**
 * The CONFIG_INVALID error for one or more bad fields: one line per field,
 * `<file>: <path>: <what was expected, what was received>`, the first path also in `details`.
 */
export function toConfigError(problems: readonly ConfigProblem[], file: string, cause?: unknown): AppError {
  const lines = problems.map((problem) => `${file}: ${problem.path === '' ? '(root)' : problem.path}: ${problem.message}`);
  return new AppError('CONFIG_INVALID', lines.join('\n'), {
    cause,
    details: { path: problems[0]?.path ?? '', paths: problems.map((problem) => problem.path), file },
  });
}

/** zod issues as problems. zod 4 messages name types and allowed options, never the input. */
export function toConfigProblems(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => ({ path: toDottedPath(issue.path), message: describeIssue(issue) }));
}

export function toDottedPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((dotted, segment) => {
    if (typeof segment === 'number') return `${dotted}[${segment}]`;
    const key = String(segment);
    return dotted === '' ? key : `${dotted}.${key}`;
  }, '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' || issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    return 'invalid value';
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return message.charAt(0).toLowerCase() + message.slice(1);
}
