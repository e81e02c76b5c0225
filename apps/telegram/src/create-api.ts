import { Api } from 'grammy';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { AppError } from '@nanobot/core';

/** grammY's Bot API client with nanobot's `apiRoot` and `proxy` settings. */
export function createApi(settings: { token: string; apiRoot?: string | undefined; proxy?: string | undefined }): Api {
  const options: ConstructorParameters<typeof Api>[1] = {};
  if (settings.apiRoot !== undefined) options.apiRoot = settings.apiRoot;
  if (settings.proxy !== undefined && settings.proxy !== '') {
    let agent;
    const scheme = settings.proxy.split(':')[0]?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') agent = new HttpsProxyAgent(settings.proxy);
    else if (scheme?.startsWith('socks')) agent = new SocksProxyAgent(settings.proxy);
    else {
      throw new AppError('CONFIG_INVALID', 'channels.telegram.proxy: expected an http://, https:// or socks5:// URL', {
        details: { path: 'channels.telegram.proxy' },
      });
    }
    options.baseFetchConfig = { agent, compress: true };
  }
  return new Api(settings.token, options);
}
