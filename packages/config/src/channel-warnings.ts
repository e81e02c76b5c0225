import type { Config } from './schema.js';

/** Channel settings of nanobot's that this version accepts but does not act on yet. */
export function channelConfigWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.channels.sendToolHints) warnings.push('channels.sendToolHints: tool hints are not sent yet; the typing indicator shows the turn is running');
  return warnings;
}
