import { homedir } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '@nanobot/core';

export type PathPolicy = {
  workspace: string;
  /** `tools.restrictToWorkspace`: no path outside the workspace. */
  restrict: boolean;
};

/** A tool's path argument: `~` expanded, relative to the workspace, confined to it when restricted. */
export function resolveToolPath(path: string, policy: PathPolicy): string {
  const expanded = path === '~' || path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
  const absolute = resolve(policy.workspace, expanded);
  if (policy.restrict) {
    const inside = relative(resolve(policy.workspace), absolute);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new AppError('TOOL_FAILED', `Path ${path} is outside the workspace`, { details: { tool: 'file' } });
    }
  }
  return absolute;
}
