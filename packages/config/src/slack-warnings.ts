import type { Config } from './schema.js';

/**
 * `channels.slack` settings of nanobot's that this version accepts but does not act on yet, and
 * an allowFrom that lets nobody in: nanobot's Slack channel let any DM in by `dm.policy: open`
 * whatever `allowFrom` said; here `allowFrom` is checked first, deny-by-default as on every channel.
 */
export function slackConfigWarnings(config: Config): string[] {
  const slack = config.channels.slack;
  if (!slack.enabled) return [];
  const warnings: string[] = [];
  if (slack.mode === 'webhook') warnings.push('channels.slack.mode "webhook" is not supported yet: the worker connects in Socket Mode (webhookPath is unused)');
  for (const key of ['reactEmoji', 'doneEmoji', 'includeThreadContext', 'threadContextLimit'] as const) {
    if (slack[key] !== undefined) warnings.push(`channels.slack.${key} is not supported yet and has no effect`);
  }
  if (slack.allowFrom.length === 0) {
    warnings.push('channels.slack.allowFrom is empty: nobody is let in (list Slack user ids like "U012AB3CD", or "*" for everyone; dm and groupPolicy apply on top)');
  }
  return warnings;
}
