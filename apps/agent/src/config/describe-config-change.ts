import type { Config } from '@nanobot/config';

/**
 * Fields of `agents.defaults` a running agent takes over from a reloaded config.
 * `requestTimeoutS` is not among them: pm2's kill timeout was derived from it at start.
 */
const hotDefaults = ['model', 'provider', 'maxTokens', 'temperature', 'fallbackModels', 'modelPreset'] as const;
/** Whole sections a running agent takes over. */
const hotSections = ['providers', 'modelPresets'] as const;

export type ConfigChange = {
  /** Changed and in force from the next turn. */
  applied: string[];
  /** Changed but read only at start: in force after `nanobot restart`. */
  needsRestart: string[];
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Which fields differ between two configs, by dotted path (never their values: keys are secrets). */
export function describeConfigChange(before: Config, after: Config): ConfigChange {
  const applied: string[] = [];
  const needsRestart: string[] = [];
  const d0 = before.agents.defaults as Record<string, unknown>;
  const d1 = after.agents.defaults as Record<string, unknown>;
  for (const key of new Set([...Object.keys(d0), ...Object.keys(d1)])) {
    if (same(d0[key], d1[key])) continue;
    ((hotDefaults as readonly string[]).includes(key) ? applied : needsRestart).push(`agents.defaults.${key}`);
  }
  const r0 = before as unknown as Record<string, unknown>;
  const r1 = after as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(r0), ...Object.keys(r1)])) {
    if (key === 'agents' || same(r0[key], r1[key])) continue;
    ((hotSections as readonly string[]).includes(key) ? applied : needsRestart).push(key);
  }
  return { applied, needsRestart };
}
