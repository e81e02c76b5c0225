import { isAppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };

describe('channels.discord', () => {
  it('has nanobot defaults plus apiBase', () => {
    const { discord } = parseConfig({}, options).config.channels;
    expect(discord).toMatchObject({ enabled: false, allowFrom: [], intents: 37377, groupPolicy: 'mention', apiBase: 'https://discord.com/api/v10' });
  });

  it('takes nanobot\'s snake_case keys', () => {
    const { config } = parseConfig(
      { channels: { discord: { enabled: true, token: 't', allow_from: ['1'], group_policy: 'open', gateway_url: 'wss://gateway.discord.gg/?v=10&encoding=json', api_base: 'http://127.0.0.1:9/api/v10' } } },
      options,
    );
    expect(config.channels.discord).toMatchObject({ allowFrom: ['1'], groupPolicy: 'open', gatewayUrl: 'wss://gateway.discord.gg/?v=10&encoding=json', apiBase: 'http://127.0.0.1:9/api/v10' });
  });

  it('refuses an enabled channel without a token, and warns about keys not acted on', () => {
    let error: unknown;
    try {
      parseConfig({ channels: { discord: { enabled: true } } }, options);
    } catch (err) {
      error = err;
    }
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    const { warnings } = parseConfig({ channels: { discord: { enabled: true, token: 't', streaming: true, proxy: 'http://p' } } }, options);
    expect(warnings.join('\n')).toMatch(/channels\.discord\.streaming/);
    expect(warnings.join('\n')).toMatch(/channels\.discord\.proxy/);
  });
});
