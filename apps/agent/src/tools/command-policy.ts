import { splitShellWords } from './shell-words.js';

/**
 * nanobot's deny list: commands that destroy data or the machine, whatever the workspace.
 * Matched against the lower-cased command, anywhere in it.
 */
export const defaultDenyPatterns: readonly RegExp[] = [
  // rm with a recursive or force flag anywhere in its arguments (-r, -rf, -fr, -f, --recursive)
  /\brm\s+(?:[^;&|\n]*\s)?-(?:[a-z]*[rf]|-recursive\b|-force\b)/,
  // Windows: del /f /q, rmdir /s, format as a command
  /\bdel\s+\/[fq]\b/,
  /\brmdir\s+\/s\b/,
  /(?:^|[;&|(]\s*)format(?:\s|$)/,
  // file systems and partitions
  /\b(?:mkfs(?:\.\w+)?|diskpart|wipefs)\b/,
  /\bdd\b[^;&|\n]*\bif=/,
  // writes to block devices
  />\s*\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|md|dm-)/,
  /\bof=\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|md|dm-)/,
  // power
  /\b(?:shutdown|reboot|poweroff|halt)\b/,
  /\binit\s+[06]\b/,
  // fork bombs: :(){ :|:& };: and the same with any name
  /:\(\)\s*\{.*\};\s*:/,
  /\b(\w+)\(\)\s*\{\s*\1\s*\|\s*\1\s*&\s*\}\s*;\s*\1\b/,
];

export type CommandPolicy = {
  /** Refusal text for the model, or undefined when the command may run. */
  check(command: string): string | undefined;
};

/**
 * nanobot's rule: `denyPatterns` (config) add to the default list; with `allowPatterns`, a
 * command runs only when every part of it (split at `;`, `&&`, `||`, `|`, `&`) matches one
 * of them in full, and such a command skips the deny list (a way to allow, say, `rm -rf build`).
 */
export function createCommandPolicy(options: { denyPatterns: readonly string[]; allowPatterns: readonly string[] }): CommandPolicy {
  const deny = [...options.denyPatterns.map((p) => new RegExp(p)), ...defaultDenyPatterns];
  const allow = options.allowPatterns.map((p) => new RegExp(`^(?:${p})$`, 's'));
  return {
    check(command) {
      const lower = command.trim().toLowerCase();
      const segments = splitShellWords(lower).segments;
      const allowed = allow.length > 0 && segments.length > 0 && segments.every((s) => allow.some((a) => a.test(s)));
      if (allowed) return undefined;
      if (deny.some((d) => d.test(lower))) return 'Error: Command blocked by deny pattern filter';
      if (allow.length > 0) return 'Error: Command blocked by allowlist filter (not in allowlist)';
      return undefined;
    },
  };
}
