import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import type { LoadedConfig } from './load-config.js';
import { allowFromWarnings, usernameEntries } from './allow-from-check.js';

function loaded(telegram: Record<string, unknown>): Pick<LoadedConfig, 'config'> {
  return parseConfig({ channels: { telegram: { enabled: true, token: '1:x', ...telegram } } }, { env: {}, homeDir: '/h', nanobotHome: '/h', source: 'test' });
}

describe('usernameEntries', () => {
  it('names the parts that match a username, not ids or the star', () => {
    expect(usernameEntries(['42', '*', 'alice', '@bob', '7|carol', '8|', ' 9 '])).toEqual(['alice', '@bob', 'carol']);
    expect(usernameEntries([])).toEqual([]);
  });
});

describe('allowFromWarnings', () => {
  it('warns once per username entry of an enabled Telegram channel and suggests the numeric id', () => {
    const warnings = allowFromWarnings(loaded({ allowFrom: ['42', 'alice', '7|carol'] }));
    expect(warnings).toEqual([
      'channels.telegram.allowFrom: "alice" matches a Telegram username, which its owner can give up and someone else can claim; list the numeric user id instead (@userinfobot tells a user theirs)',
      'channels.telegram.allowFrom: "carol" matches a Telegram username, which its owner can give up and someone else can claim; keep only the id part of "7|carol"',
    ]);
  });

  it('stays quiet for ids only, for everyone, and for a disabled channel', () => {
    expect(allowFromWarnings(loaded({ allowFrom: ['42', '1001'] }))).toEqual([]);
    expect(allowFromWarnings(loaded({ allowFrom: ['*'] }))).toEqual([]);
    expect(allowFromWarnings(loaded({ enabled: false, allowFrom: ['alice'] }))).toEqual([]);
  });
});
