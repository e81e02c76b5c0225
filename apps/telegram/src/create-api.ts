import { Api } from 'grammy';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { AppError } from '@nanobot/core';

type ApiSettings = { token: string; apiRoot?: string | undefined; proxy?: string | undefined };

/** The agent of nanobot's `proxy` setting, for API calls and file downloads alike; undefined without one. */
export function proxyAgentOf(settings: ApiSettings): HttpsProxyAgent<string> | SocksProxyAgent | undefined {
  if (settings.proxy === undefined || settings.proxy === '') return undefined;
  const scheme = settings.proxy.split(':')[0]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return new HttpsProxyAgent(settings.proxy);
  if (scheme?.startsWith('socks')) return new SocksProxyAgent(settings.proxy);
  throw new AppError('CONFIG_INVALID', 'channels.telegram.proxy: expected an http://, https:// or socks5:// URL', {
    details: { path: 'channels.telegram.proxy' },
  });
}

/** grammY's Bot API client with nanobot's `apiRoot` and `proxy` settings. */
export function createApi(settings: ApiSettings): Api {
  const options: ConstructorParameters<typeof Api>[1] = {};
  if (settings.apiRoot !== undefined) options.apiRoot = settings.apiRoot;
  const agent = proxyAgentOf(settings);
  if (agent !== undefined) options.baseFetchConfig = { agent, compress: true };
  return new Api(settings.token, options);
}
