import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { findUnknownKeys } from './find-unknown-keys.js';
import { resolveFallbackSpecs, resolveModelSpec } from './model-selection.js';
import { normalizeKeys } from './normalize-keys.js';
import { parseConfig } from './parse-config.js';
import { configSchema, type Config } from './schema.js';
import { isPlainObject } from './schema-walk.js';

/**
 * Every config snippet of nanobot's own docs (classic: v0.1.4.post6's README; v0.3: README and
 * docs/ at the newest commit of the v0.3 line), copied into test-fixtures/nanobot-docs with the
 * doc and commit each came from. Each must load and keep the values nanobot gives its fields,
 * or be refused naming the field where nanobot itself could not run it.
 */

type Fixture = { source: { doc: string; commit: string }; config: Record<string, unknown> };

const root = join(import.meta.dirname, '..', 'test-fixtures', 'nanobot-docs');
const fixtures = ['classic', 'v0.3'].flatMap((release) =>
  readdirSync(join(root, release))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: `${release}/${file}`, fixture: JSON.parse(readFileSync(join(root, release, file), 'utf8')) as Fixture })),
);

/** Snippets nanobot cannot run either, with the field our error names. */
const refused: Record<string, { path: string; why: string }> = {
  'v0.3/configuration-40.json': { path: 'channels.telegram.token', why: 'telegram enabled without a token (a snippet about sendProgress)' },
  'v0.3/configuration-60.json': { path: 'channels.telegram.token', why: 'telegram enabled without a token' },
  'v0.3/configuration-62.json': { path: 'channels.telegram.token', why: 'telegram enabled without a token' },
  'v0.3/configuration-61.json': { path: 'channels.slack.botToken', why: 'slack enabled without its tokens (a snippet about the DM policy)' },
};

const home = { homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };

/** `${VAR}` references get a value of their own, so what they stand for can be compared. */
function envFor(config: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of JSON.stringify(config).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) env[match[1] as string] = `env-${match[1]}`;
  return env;
}

function substitute(value: unknown, env: Record<string, string>): unknown {
  return typeof value === 'string' ? value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? '') : value;
}

/** Every leaf the schema knows, with its dotted path, as the config normalises keys. */
function knownLeaves(raw: unknown): Array<{ path: string; segments: Array<string | number>; value: unknown }> {
  const normalized = normalizeKeys(raw, configSchema).value;
  const unknown = findUnknownKeys(normalized, configSchema);
  const leaves: Array<{ path: string; segments: Array<string | number>; value: unknown }> = [];
  const walk = (node: unknown, segments: Array<string | number>, path: string): void => {
    if (unknown.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`))) return;
    if (Array.isArray(node)) return node.forEach((item, index) => walk(item, [...segments, index], `${path}[${index}]`));
    if (isPlainObject(node)) {
      for (const [key, item] of Object.entries(node)) walk(item, [...segments, key], path === '' ? key : `${path}.${key}`);
      return;
    }
    leaves.push({ path, segments, value: node });
  };
  walk(normalized, [], '');
  return leaves;
}

function valueAt(config: Config, segments: Array<string | number>): unknown {
  return segments.reduce<unknown>((node, segment) => (node as Record<string | number, unknown> | undefined)?.[segment], config);
}

describe("nanobot's documented configs", () => {
  it('are all here: classic and v0.3, each naming its doc and commit', () => {
    expect(fixtures.filter((f) => f.name.startsWith('classic/')).length).toBeGreaterThanOrEqual(30);
    expect(fixtures.filter((f) => f.name.startsWith('v0.3/')).length).toBeGreaterThanOrEqual(150);
    for (const { fixture } of fixtures) {
      expect(fixture.source.doc).toMatch(/^(README\.md|docs\/.+\.md)$/);
      expect(fixture.source.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it.each(fixtures)('$name loads with the meaning nanobot gives it', ({ name, fixture }) => {
    const env = envFor(fixture.config);
    const expected = refused[name];
    if (expected !== undefined) {
      let error: unknown;
      try {
        parseConfig(fixture.config, { ...home, env });
      } catch (err) {
        error = err;
      }
      expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain(`${expected.path}:`);
      return;
    }
    const { config } = parseConfig(fixture.config, { ...home, env });
    for (const leaf of knownLeaves(fixture.config)) {
      const got = valueAt(config, leaf.segments);
      if (leaf.path === 'agents.defaults.workspace') continue; // expanded against the home folder
      if (leaf.path.endsWith('.apiKey') && leaf.value === null) {
        expect(got, `${name}: ${leaf.path}`).toBe(''); // nanobot's null: no key
        continue;
      }
      expect(got, `${name}: ${leaf.path}`).toEqual(substitute(leaf.value, env));
    }
  });

  const load = (name: string) => {
    const found = fixtures.find((f) => f.name === name);
    if (found === undefined) throw new Error(`no fixture ${name}`);
    return parseConfig(found.fixture.config, { ...home, env: envFor(found.fixture.config) }).config;
  };

  it('v0.3: apiKey null is "no key" for local servers, and the active preset picks lm_studio', () => {
    const config = load('v0.3/configuration-29.json');
    expect(config.providers['lm_studio']).toMatchObject({ apiKey: '', apiBase: 'http://localhost:1234/v1' });
    expect(resolveModelSpec(config)).toEqual({ preset: 'lmStudio', model: 'local-model', provider: 'lm_studio', maxTokens: 8192, temperature: 0.1 });
  });

  it('v0.3: modelPreset wins over agents.defaults, and preset-name fallbacks are those presets', () => {
    const config = load('v0.3/configuration-34.json');
    const primary = resolveModelSpec(config);
    expect(primary).toEqual({ preset: 'fast', model: 'gpt-4.1-mini', provider: 'openai', maxTokens: 4096, temperature: 0.2 });
    expect(resolveFallbackSpecs(config, primary)).toEqual([
      { preset: 'deep', model: 'claude-opus-4-5', provider: 'anthropic', maxTokens: 8192, temperature: 0.1 },
      { preset: 'localSmall', model: 'llama3.2', provider: 'ollama', maxTokens: 4096, temperature: 0.2 },
    ]);
  });

  it('v0.3: an inline fallback object takes what it leaves out from the primary', () => {
    const config = load('v0.3/configuration-36.json');
    const primary = resolveModelSpec(config);
    expect(primary).toMatchObject({ model: 'anthropic/claude-sonnet-4.5', provider: 'openrouter', maxTokens: 4096, temperature: 0.1 });
    expect(resolveFallbackSpecs(config, primary)).toEqual([{ model: 'deepseek-v4-pro', provider: 'deepseek', maxTokens: 4096, temperature: 0.1 }]);
  });

  it('v0.3: preset names keep their case (the model-fallback guide uses Fast and Deep)', () => {
    const config = load('v0.3/guides-configure-model-fallback-1.json');
    expect(resolveModelSpec(config)).toMatchObject({ preset: 'Fast', model: 'primary-model-id', provider: 'primary-provider' });
    expect(resolveFallbackSpecs(config, resolveModelSpec(config))).toMatchObject([{ preset: 'Deep', model: 'fallback-model-id' }]);
  });
});
