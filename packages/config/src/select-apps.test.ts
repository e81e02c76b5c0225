import { describe, expect, it } from 'vitest';
import { isSelected, parseOnly } from './select-apps.js';

describe('parseOnly', () => {
  it('selects every app when unset or empty', () => {
    expect(parseOnly(undefined)).toBeUndefined();
    expect(parseOnly(' ')).toBeUndefined();
    expect(isSelected(undefined, 'nanobot-telegram')).toBe(true);
  });

  it('selects the named apps, the WhatsApp bridge with whatsapp', () => {
    const only = parseOnly('Agent, whatsapp');
    expect(isSelected(only, 'nanobot-agent')).toBe(true);
    expect(isSelected(only, 'nanobot-whatsapp-bridge')).toBe(true);
    expect(isSelected(only, 'nanobot-telegram')).toBe(false);
    expect(isSelected(only, 'nanobot-redis')).toBe(false);
  });

  it('refuses an unknown name with the known ones', () => {
    expect(() => parseOnly('agent,agnet')).toThrow(/unknown app agnet \(known: redis, telegram/);
  });
});
