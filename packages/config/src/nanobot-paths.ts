import { join } from 'node:path';

/**
 * What lives in `$NANOBOT_HOME`, in one place: the apps that write these files and the
 * agent's path guard, which keeps the model's tools away from every secret among them.
 */
export type NanobotPaths = {
  home: string;
  /** Keys and tokens. */
  config: string;
  /** The default workspace (`agents.defaults.workspace` may point elsewhere). */
  workspace: string;
  /** Data folder of the embedded Redis: AOF (queues, conversations in flight), password, redis.conf. */
  redisDir: string;
  /** Password of the embedded Redis (mode 0600), generated on the first start. */
  redisPassword: string;
  /** redis.conf with `requirepass`, written from the password file at each start (mode 0600). */
  redisConf: string;
  /** The linked WhatsApp session's credentials (and `whatsapp-auth.lock`, `whatsapp-auth.logged-out-*`). */
  whatsappAuth: string;
  /** The bridge's token, outbox (message texts) and send ledger. */
  whatsappBridge: string;
  bridgeToken: string;
  /** Media received from chats (`media/whatsapp/…`): the agent may read it, e.g. a photo for a vision model. */
  media: string;
};

export function nanobotPaths(home: string): NanobotPaths {
  const redisDir = join(home, 'redis');
  const whatsappBridge = join(home, 'whatsapp-bridge');
  return {
    home,
    config: join(home, 'config.json'),
    workspace: join(home, 'workspace'),
    redisDir,
    redisPassword: join(redisDir, 'password'),
    redisConf: join(redisDir, 'redis.conf'),
    whatsappAuth: join(home, 'whatsapp-auth'),
    whatsappBridge,
    bridgeToken: join(whatsappBridge, 'token'),
    media: join(home, 'media'),
  };
}
