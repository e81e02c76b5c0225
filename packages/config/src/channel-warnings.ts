import type { Config } from './schema.js';
import { slackConfigWarnings } from './slack-warnings.js';

/**
 * Channel settings of nanobot's that this version accepts but does not act on yet. None at the
 * moment: `streaming`, `sendProgress` and `sendToolHints` are acted on. A new channel's settings
 * that are accepted before they work are named here.
 */
export function channelConfigWarnings(config: Config): string[] {
  return [...slackConfigWarnings(config)];
}
