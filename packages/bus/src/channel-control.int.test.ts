import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createChannelControl, requestChannelRestart } from './channel-control.js';
import { controlChannels } from './queue-names.js';

const log = createLogger({ name: 'test', destination: new Writable({ write: (_c, _e, done) => done() }) });

describe('channel control', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });

  it('delivers a restart request to the listening workers of that channel only, and says how many listen', async () => {
    const telegram: string[] = [];
    const whatsapp: string[] = [];
    const a = createChannelControl({ redisUrl: server.url, channel: 'telegram', log, onRestart: (r) => telegram.push(r) });
    const b = createChannelControl({ redisUrl: server.url, channel: 'whatsapp', log, onRestart: (r) => whatsapp.push(r) });
    await a.start();
    await b.start();
    expect(await requestChannelRestart(redis, 'telegram', '/restart from telegram:42')).toBe(1);
    await expect.poll(() => telegram).toEqual(['/restart from telegram:42']);
    // Garbage on the channel is ignored, not acted on.
    await redis.publish(controlChannels.channel('telegram'), 'not json');
    await redis.publish(controlChannels.channel('telegram'), JSON.stringify({ action: 'rm -rf' }));
    expect(await requestChannelRestart(redis, 'telegram', 'again')).toBe(1);
    await expect.poll(() => telegram).toEqual(['/restart from telegram:42', 'again']);
    expect(whatsapp).toEqual([]);
    await a.close();
    await b.close();
    // Nobody listens: the request reaches no one, and the caller can say so.
    expect(await requestChannelRestart(redis, 'telegram', 'late')).toBe(0);
  });
});
