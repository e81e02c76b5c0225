import type { ConfigProblem } from './config-problems.js';
import type { Config } from './schema.js';

/** One model to call and how: what a preset, `agents.defaults` or a fallback entry comes down to. */
export type ModelSpec = {
  /** The preset it came from (`default` for `agents.defaults`); none for a plain or inline fallback. */
  preset?: string;
  model: string;
  /** A provider name, or `auto` (chosen from the model name, as nanobot does). */
  provider: string;
  maxTokens: number;
  temperature: number;
};

/** The implicit preset every config has: the model settings of `agents.defaults`. */
export const defaultPresetName = 'default';

/** `default` first, then the configured presets by name (nanobot's `/model` listing). */
export function presetNames(config: Config): string[] {
  return [defaultPresetName, ...Object.keys(config.modelPresets).filter((n) => n !== defaultPresetName).sort()];
}

/** A preset name as the user typed it (case does not matter when it is unambiguous), or undefined. */
export function findPresetName(config: Config, typed: string): string | undefined {
  const name = typed.trim();
  const names = presetNames(config);
  if (names.includes(name)) return name;
  const matches = names.filter((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * The model settings of a preset; without a name, of `agents.defaults.modelPreset`, and
 * without that of `agents.defaults` itself (nanobot: the active preset wins over those fields).
 */
export function resolveModelSpec(config: Config, name: string | undefined = config.agents.defaults.modelPreset): ModelSpec {
  const preset = name === undefined || name === defaultPresetName ? undefined : config.modelPresets[name];
  if (name !== undefined && name !== defaultPresetName && preset !== undefined) return { preset: name, ...preset };
  const d = config.agents.defaults;
  return { preset: defaultPresetName, model: d.model, provider: d.provider, maxTokens: d.maxTokens, temperature: d.temperature };
}

/**
 * `agents.defaults.fallbackModels` for a primary model, in order: a preset name is that
 * preset; an inline object takes maxTokens and temperature from the primary when it leaves
 * them out (nanobot's rule); any other name is a model on the primary's provider. Entries
 * naming the primary model itself are left out.
 */
export function resolveFallbackSpecs(config: Config, primary: ModelSpec): ModelSpec[] {
  const specs = config.agents.defaults.fallbackModels.map((entry): ModelSpec => {
    if (typeof entry !== 'string') {
      return { model: entry.model, provider: entry.provider, maxTokens: entry.maxTokens ?? primary.maxTokens, temperature: entry.temperature ?? primary.temperature };
    }
    const preset = config.modelPresets[entry];
    if (preset !== undefined) return { preset: entry, ...preset };
    return { model: entry, provider: primary.provider, maxTokens: primary.maxTokens, temperature: primary.temperature };
  });
  return specs.filter((spec) => !(spec.model === primary.model && spec.provider === primary.provider));
}

/** nanobot's checks across fields: `default` is reserved, and `modelPreset` must name a preset. */
export function modelPresetProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = Object.keys(config.modelPresets);
  if (names.includes(defaultPresetName)) {
    problems.push({ path: 'modelPresets.default', message: 'the name "default" is reserved for the settings of agents.defaults' });
  }
  const active = config.agents.defaults.modelPreset;
  if (active !== undefined && active !== defaultPresetName && !names.includes(active)) {
    const known = names.length === 0 ? 'none are configured' : `known: ${names.join(', ')}`;
    problems.push({ path: 'agents.defaults.modelPreset', message: `expected the name of an entry of modelPresets (${known}), received another name` });
  }
  return problems;
}

/**
 * nanobot v0.3 takes only preset names as strings in `fallbackModels`; we take model names too
 * (as before v0.3). With presets configured, a string naming none of them may be a typo: said.
 */
export function modelPresetWarnings(config: Config): string[] {
  const names = Object.keys(config.modelPresets);
  if (names.length === 0) return [];
  return config.agents.defaults.fallbackModels.flatMap((entry, index) =>
    typeof entry === 'string' && !names.includes(entry)
      ? [`agents.defaults.fallbackModels[${index}]: not a name from modelPresets (${names.join(', ')}), used as a model name on the primary's provider`]
      : [],
  );
}
