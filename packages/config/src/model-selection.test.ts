import { isAppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { findPresetName, presetNames, resolveFallbackSpecs, resolveModelSpec } from './model-selection.js';
import { parseConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };

function errorOf(raw: unknown): Error {
  try {
    parseConfig(raw, options);
  } catch (err) {
    if (isAppError(err, 'CONFIG_INVALID')) return err;
    throw err;
  }
  throw new Error('expected a config error');
}

describe('model presets and fallbacks', () => {
  it('accepts snake_case inside presets and inline fallbacks, and warns about keys not acted on', () => {
    const { config, warnings } = parseConfig(
      {
        model_presets: { fast: { model: 'gpt-4.1-mini', max_tokens: 1000, reasoning_effort: 'low' } },
        agents: { defaults: { model_preset: 'fast', fallback_models: [{ model: 'deepseek-chat', provider: 'deepseek', context_window_tokens: 1 }, 'gpt-4o'] } },
      },
      options,
    );
    expect(config.modelPresets['fast']).toEqual({ model: 'gpt-4.1-mini', provider: 'auto', maxTokens: 1000, temperature: 0.1 });
    expect(config.agents.defaults.fallbackModels).toEqual([{ model: 'deepseek-chat', provider: 'deepseek' }, 'gpt-4o']);
    expect(warnings.sort()).toEqual([
      'agents.defaults.fallbackModels[0].context_window_tokens: unknown key, ignored',
      "agents.defaults.fallbackModels[1]: not a name from modelPresets (fast), used as a model name on the primary's provider",
      'modelPresets.fast.reasoning_effort: unknown key, ignored',
    ]);
  });

  it('refuses a modelPreset that names no preset, and a preset called default, naming the field', () => {
    expect(errorOf({ agents: { defaults: { modelPreset: 'fats' } }, modelPresets: { fast: { model: 'x' } } }).message).toBe(
      'config.json: agents.defaults.modelPreset: expected the name of an entry of modelPresets (known: fast), received another name',
    );
    expect(errorOf({ modelPresets: { default: { model: 'x' } } }).message).toMatch(/^config\.json: modelPresets\.default: the name "default" is reserved/);
    expect(errorOf({ agents: { defaults: { fallbackModels: [{ model: 'x' }] } } }).message).toMatch(/agents\.defaults\.fallbackModels\[0\]/);
    expect(errorOf({ modelPresets: { fast: { provider: 'openai' } } }).message).toMatch(/modelPresets\.fast\.model: expected string, received undefined/);
  });

  it('takes apiKey null as no key', () => {
    const { config } = parseConfig({ providers: { vllm: { apiKey: null, apiBase: 'http://127.0.0.1:8000/v1' } } }, options);
    expect(config.providers['vllm']?.apiKey).toBe('');
  });

  it('resolves the primary from agents.defaults without a preset, and plain fallback names on its provider', () => {
    const { config } = parseConfig({ agents: { defaults: { model: 'gpt-4o', provider: 'openai', maxTokens: 900, fallbackModels: ['gpt-4o-mini', 'gpt-4o'] } } }, options);
    const primary = resolveModelSpec(config);
    expect(primary).toEqual({ preset: 'default', model: 'gpt-4o', provider: 'openai', maxTokens: 900, temperature: 0.1 });
    expect(resolveFallbackSpecs(config, primary)).toEqual([{ model: 'gpt-4o-mini', provider: 'openai', maxTokens: 900, temperature: 0.1 }]);
  });

  it('warns about a fallback string that names no preset when presets are configured (nanobot would refuse it)', () => {
    const { warnings } = parseConfig({ modelPresets: { Deep: { model: 'b' } }, agents: { defaults: { fallbackModels: ['Deep', 'Dep'] } } }, options);
    expect(warnings).toEqual(["agents.defaults.fallbackModels[1]: not a name from modelPresets (Deep), used as a model name on the primary's provider"]);
    expect(parseConfig({ agents: { defaults: { fallbackModels: ['gpt-4o-mini'] } } }, options).warnings).toEqual([]);
  });

  it('finds preset names regardless of case when unambiguous, default included', () => {
    const { config } = parseConfig({ modelPresets: { Fast: { model: 'a' }, deep: { model: 'b' } } }, options);
    expect(presetNames(config)).toEqual(['default', 'Fast', 'deep']);
    expect(findPresetName(config, 'fast')).toBe('Fast');
    expect(findPresetName(config, ' DEFAULT ')).toBe('default');
    expect(findPresetName(config, 'nope')).toBeUndefined();
    expect(resolveModelSpec(config, 'deep')).toMatchObject({ preset: 'deep', model: 'b' });
  });
});
