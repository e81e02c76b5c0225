import { describe, expect, it } from 'vitest';
import { isProviderName, providerNames } from './provider-names.js';

describe('isProviderName', () => {
  it('knows nanobot provider names and nothing else', () => {
    expect(providerNames).toContain('openrouter');
    expect(isProviderName('custom')).toBe(true);
    expect(isProviderName('OpenRouter')).toBe(false);
    expect(isProviderName('my_llm')).toBe(false);
    expect(isProviderName(42)).toBe(false);
  });
});
