import type { Config } from './schema.js';

/** Channel settings of nanobot's that this version accepts but does not act on yet. */
export function channelConfigWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.channels.telegram.streaming) {
    warnings.push('channels.telegram.streaming: streamed replies are not supported yet; each reply arrives whole when the turn ends');
  }
  return warnings;
}
