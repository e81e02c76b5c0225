import type { FakeWhatsappBridge } from './fake-whatsapp-types.js';

/**
 * Adds an enabled WhatsApp channel pointing at a fake bridge to a cluster config (for example
 * one from fakeConfig). `runBridge: false`: the fake stands in for the bridge process.
 */
export function withFakeWhatsapp(config: Record<string, unknown>, bridge: FakeWhatsappBridge, allowFrom: string[] = ['*']): Record<string, unknown> {
  const channels = (config.channels ?? {}) as Record<string, unknown>;
  return {
    ...config,
    channels: {
      ...channels,
      whatsapp: { enabled: true, runBridge: false, bridgeUrl: bridge.url, bridgeToken: bridge.token, allowFrom },
    },
  };
}
