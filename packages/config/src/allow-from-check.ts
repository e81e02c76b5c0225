import type { LoadedConfig } from './load-config.js';

/**
 * Telegram allowFrom parts that match a username rather than a numeric user id. Telegram lets a
 * user give a username up, and then anyone may claim it: the entry would let that stranger in.
 * A user id never changes hands. The telegram worker matches these exactly as before; this only
 * tells the operator (https://telegram.org/faq#q-what-can-i-use-as-my-username).
 */
export function usernameEntries(allowFrom: readonly string[]): string[] {
  const names = new Set<string>();
  for (const entry of allowFrom) {
    for (const raw of entry.split('|')) {
      const part = raw.trim();
      if (part !== '' && part !== '*' && !/^\d+$/.test(part)) names.add(part);
    }
  }
  return [...names];
}

/** One line per username entry of an enabled Telegram channel, for `nanobot doctor` and `nanobot start`. */
export function allowFromWarnings(loaded: Pick<LoadedConfig, 'config'>): string[] {
  const telegram = loaded.config.channels.telegram;
  if (!telegram.enabled) return [];
  return usernameEntries(telegram.allowFrom).map((name) => {
    const combined = telegram.allowFrom.find((entry) => entry.includes('|') && entry.split('|').some((part) => part.trim() === name));
    const instead = combined === undefined
      ? 'list the numeric user id instead (@userinfobot tells a user theirs)'
      : `keep only the id part of "${combined}"`;
    return `channels.telegram.allowFrom: "${name}" matches a Telegram username, which its owner can give up and someone else can claim; ${instead}`;
  });
}
