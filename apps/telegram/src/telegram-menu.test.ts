import { describe, expect, it } from 'vitest';
import { commandNames } from '@nanobot/core';
import { menu } from './telegram-channel.js';

describe('the Telegram command menu', () => {
  it('lists every chat command the agent answers, each once, with Telegram-valid names', () => {
    const listed = menu.map((entry) => entry.command);
    for (const name of commandNames) expect(listed).toContain(name);
    expect(new Set(listed).size).toBe(listed.length);
    // Bot API: 1-32 characters, lowercase letters, digits and underscores; description 1-256.
    for (const entry of menu) {
      expect(entry.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(entry.description.length).toBeGreaterThan(0);
      expect(entry.description.length).toBeLessThanOrEqual(256);
    }
  });
});
