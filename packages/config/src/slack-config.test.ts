import { isAppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };

describe('channels.slack', () => {
  it('takes nanobot\'s keys in snake_case, with its defaults and ours', () => {
    const { config, warnings } = parseConfig({
      channels: { slack: { enabled: true, bot_token: 'xoxb-1', app_token: 'xapp-1', allow_from: ['U1'], group_policy: 'open', dm: { allow_from: ['U2'] } } },
    }, options);
    expect(config.channels.slack).toMatchObject({
      enabled: true, botToken: 'xoxb-1', appToken: 'xapp-1', allowFrom: ['U1'], groupPolicy: 'open', replyInThread: true,
      dm: { enabled: true, policy: 'open', allowFrom: ['U2'] }, apiBase: 'https://slack.com/api/', mode: 'socket',
    });
    expect(warnings).toEqual([]);
  });

  it('requires both tokens when enabled, naming the field', () => {
    let message = '';
    try {
      parseConfig({ channels: { slack: { enabled: true, botToken: 'xoxb-1' } } }, options);
    } catch (err) {
      if (isAppError(err, 'CONFIG_INVALID')) message = err.message;
    }
    expect(message).toContain('channels.slack.appToken');
  });

  it('warns about what it accepts but does not do, and about an allowFrom that lets nobody in', () => {
    const { warnings } = parseConfig({ channels: { slack: { enabled: true, botToken: 'x', appToken: 'y', mode: 'webhook', reactEmoji: 'eyes' } } }, options);
    expect(warnings.join('\n')).toContain('channels.slack.mode "webhook" is not supported yet');
    expect(warnings.join('\n')).toContain('channels.slack.reactEmoji is not supported yet');
    expect(warnings.join('\n')).toContain('channels.slack.allowFrom is empty');
  });
});
