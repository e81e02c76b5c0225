import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseInboundMessage, type ChannelName, type CommandMessage, type OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import type { ModelRouter } from '../llm/create-model-router.js';
import type { MemoryConsolidator } from '../memory/consolidate-memory.js';
import { replies } from '../replies.js';
import { createSessionStore } from '../session-store.js';
import { createCommandAnswerer } from './answer-command.js';

const log = createLogger({ name: 'test', destination: new Writable({ write: (_c, _e, done) => done() }) });

function restartCommand(channel: ChannelName, chatId = '42'): CommandMessage {
  return parseInboundMessage({
    kind: 'command', command: 'restart', id: `${channel}-1`, channel, chatId, senderId: chatId,
    sessionKey: `${channel}:${chatId}`, seq: 1, receivedAt: 1_000,
  }) as CommandMessage;
}

function setup(restartChannel?: (channel: ChannelName, reason: string) => Promise<number>) {
  const sent: OutboundMessage[] = [];
  const commands = createCommandAnswerer({
    send: async (reply) => void sent.push(reply),
    sessions: createSessionStore(mkdtempSync(join(tmpdir(), 'nanobot-commands-'))),
    memory: {} as MemoryConsolidator, // /restart never consolidates
    models: {} as ModelRouter, // /restart never reads the model
    startedAt: 0,
    now: () => 1_000,
    log,
    ...(restartChannel === undefined ? {} : { restartChannel }),
  });
  return { sent, commands };
}

describe('/restart', () => {
  it('asks the chat channel\'s workers to restart their loop, naming the chat, and says so', async () => {
    const requests: Array<[ChannelName, string]> = [];
    const h = setup(async (channel, reason) => {
      requests.push([channel, reason]);
      return 1;
    });
    await h.commands.immediate(restartCommand('telegram'), async () => 0);
    expect(requests).toEqual([['telegram', '/restart from telegram:42']]);
    expect(h.sent.map((r) => r.text)).toEqual([replies.restarting('telegram')]);
    expect(h.sent[0]).toMatchObject({ channel: 'telegram', chatId: '42', inReplyTo: 'telegram-1', receivedAt: 1_000 });
    expect(replies.restarting('telegram')).toBe('Restarting the telegram channel…');
  });

  it('says when no worker of the channel listens', async () => {
    const h = setup(async () => 0);
    await h.commands.immediate(restartCommand('whatsapp'), async () => 0);
    expect(h.sent.map((r) => r.text)).toEqual([replies.restartNobody('whatsapp')]);
  });

  it('has nothing to restart in the terminal or without a cluster', async () => {
    const requests: ChannelName[] = [];
    const withCluster = setup(async (channel) => {
      requests.push(channel);
      return 1;
    });
    await withCluster.commands.immediate(restartCommand('cli'), async () => 0);
    expect(requests).toEqual([]);
    expect(withCluster.sent.map((r) => r.text)).toEqual([replies.restartNotHere]);
    const alone = setup();
    await alone.commands.immediate(restartCommand('telegram'), async () => 0);
    expect(alone.sent.map((r) => r.text)).toEqual([replies.restartNotHere]);
  });

  it('is listed in /help', () => {
    expect(replies.help).toContain('/restart');
  });
});
