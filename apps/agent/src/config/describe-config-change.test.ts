import { parseConfig, type ConfigInput } from '@nanobot/config';
import { describe, expect, it } from 'vitest';
import { describeConfigChange } from './describe-config-change.js';

const configOf = (input: ConfigInput) => parseConfig(input, { env: {}, homeDir: '/home/u', nanobotHome: '/home/u/.nanobot' }).config;

describe('describeConfigChange', () => {
  const before = configOf({ agents: { defaults: { model: 'a' } }, providers: { openai: { apiKey: 'k1' } } });

  it('names the model settings a running agent takes over, by path only', () => {
    const after = configOf({ agents: { defaults: { model: 'b', fallbackModels: ['fast'] } }, providers: { openai: { apiKey: 'k2' } }, modelPresets: { fast: { model: 'c' } } });
    const change = describeConfigChange(before, after);
    expect(change).toEqual({ applied: ['agents.defaults.model', 'agents.defaults.fallbackModels', 'providers', 'modelPresets'], needsRestart: [] });
    expect(JSON.stringify(change)).not.toContain('k2');
  });

  it('names what only a restart applies: channels, tools, the workspace, the request timeout', () => {
    const after = configOf({
      agents: { defaults: { model: 'a', workspace: '/srv/ws', requestTimeoutS: 30 } },
      providers: { openai: { apiKey: 'k1' } },
      channels: { telegram: { allowFrom: ['1'] } },
      tools: { exec: { timeout: 5 } },
    });
    expect(describeConfigChange(before, after)).toEqual({ applied: [], needsRestart: ['agents.defaults.workspace', 'agents.defaults.requestTimeoutS', 'channels', 'tools'] });
  });

  it('finds nothing in an unchanged config', () => {
    expect(describeConfigChange(before, configOf({ agents: { defaults: { model: 'a' } }, providers: { openai: { apiKey: 'k1' } } }))).toEqual({ applied: [], needsRestart: [] });
  });
});
