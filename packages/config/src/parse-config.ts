import { join } from 'node:path';
import { applyEnvOverrides } from './apply-env-overrides.js';
import { toConfigError, toConfigProblems } from './config-problems.js';
import { findUnknownKeys } from './find-unknown-keys.js';
import { normalizeKeys } from './normalize-keys.js';
import { resolveEnvRefs } from './resolve-env-refs.js';
import { expandHome } from './resolve-nanobot-home.js';
import { configSchema, type Config } from './schema.js';
import { isPlainObject } from './schema-walk.js';
import { modelPresetProblems, modelPresetWarnings } from './model-selection.js';
import { channelConfigWarnings } from './channel-warnings.js';
import { providerConfigWarnings } from './provider-warnings.js';
import { toolConfigWarnings } from './tool-warnings.js';
import { transcriptionWarnings } from './transcription-warnings.js';

export type ParseConfigOptions = {
  env: Record<string, string | undefined>;
  homeDir: string;
  nanobotHome: string;
  /** Names the file in messages; `config.json` when not given. */
  source?: string;
};

export type ParsedConfig = { config: Config; warnings: string[] };

/**
 * Turns the contents of config.json (already JSON-parsed) into a validated Config:
 * snake_case keys → camelCase, `${VAR}` from env, `NANOBOT_…__…` env overrides, validation with
 * nanobot's defaults, workspace resolved. Unknown keys and tool settings not supported yet
 * become warnings; bad fields throw one CONFIG_INVALID listing all of them.
 */
export function parseConfig(raw: unknown, options: ParseConfigOptions): ParsedConfig {
  const file = options.source ?? 'config.json';
  if (!isPlainObject(raw)) {
    const received = raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw;
    throw toConfigError([{ path: '', message: `expected object, received ${received}` }], file);
  }
  const normalized = normalizeKeys(raw, configSchema);
  const resolved = resolveEnvRefs(normalized.value, options.env);
  if (resolved.problems.length > 0) throw toConfigError(resolved.problems, file);
  const overridden = applyEnvOverrides(resolved.value as Record<string, unknown>, options.env, configSchema);
  const unknownKeys = findUnknownKeys(overridden, configSchema);
  const result = configSchema.safeParse(overridden);
  if (!result.success) throw toConfigError(toConfigProblems(result.error.issues), file, result.error);
  const config = result.data;
  const presetProblems = modelPresetProblems(config);
  if (presetProblems.length > 0) throw toConfigError(presetProblems, file);
  config.agents.defaults.workspace = hasWorkspace(overridden)
    ? expandHome(config.agents.defaults.workspace, options.homeDir)
    : join(options.nanobotHome, 'workspace');
  const warnings = [
    ...normalized.warnings,
    ...unknownKeys.map((path) => `${path}: unknown key, ignored`),
    ...toolConfigWarnings(config),
    ...channelConfigWarnings(config),
    ...providerConfigWarnings(config),
    ...modelPresetWarnings(config),
    ...transcriptionWarnings(config, overridden),
  ];
  return { config, warnings };
}

function hasWorkspace(raw: Record<string, unknown>): boolean {
  const agents = raw['agents'];
  const defaults = isPlainObject(agents) ? agents['defaults'] : undefined;
  return isPlainObject(defaults) && defaults['workspace'] !== undefined;
}

/**
 * nanobot's defaults, as `onboard` writes them. The workspace is nanobot's literal
 * `~/.nanobot/workspace`; use `parseConfig({}, …)` for one resolved against NANOBOT_HOME.
 */
export function defaultConfig(): Config {
  return configSchema.parse({});
}

/** The config as plain camelCase JSON for writing config.json (optional fields left out when unset). */
export function toSerializableConfig(config: Config): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}
