import { z } from 'zod';
import { channelNames, toJobId, type ChannelName, type OutboundMessage } from '@nanobot/core';
import type { SendReply } from '../turn/to-reply.js';
import { defineTool, type Tool } from './tool-registry.js';

export type MessageToolOptions = {
  /** The turn's own chat (the outbound queue of its channel, or the terminal). */
  send: SendReply;
  /** Any chat of an enabled channel (the cluster's outbound queues); without it only the turn's chat is reached. */
  sendElsewhere?: SendReply;
  /** Channels whose workers run, so a message to them is delivered. */
  enabledChannels: readonly ChannelName[];
};

const isChannel = (value: string): value is ChannelName => (channelNames as readonly string[]).includes(value);

/**
 * nanobot's `message`: sends text to a chat, this one by default. The outbound id comes from
 * the call's id (turn, iteration, position), so a re-run of the turn adds nothing the bus
 * has not seen. A message to the turn's own chat makes the turn's answer redundant: it is
 * kept in the session but not sent (handle-turn.ts).
 */
export function createMessageTool(options: MessageToolOptions): Tool {
  return defineTool({
    name: 'message',
    description:
      'Send a message to a chat: for reminders, proactive notes or delivery to another chat or channel. Do not use it for the normal answer in this chat: just answer. Leave channel and chat_id out to write to this chat.',
    rerunSafe: true,
    schema: z.object({
      content: z.string().min(1).describe('The message text'),
      channel: z.string().optional().describe(`Target channel (${channelNames.filter((c) => c !== 'system').join(', ')}); default: this chat's`),
      chat_id: z.string().min(1).optional().describe("Target chat id on that channel; default: this chat's"),
    }),
    async execute({ content, channel: channelArg, chat_id: chatArg }, context) {
      const turn = context.turn;
      if (turn === undefined || context.callId === undefined) return 'Error: message can only be sent during a turn';
      const channel = channelArg?.trim().toLowerCase() || turn.channel;
      if (!isChannel(channel) || (channel === 'system' && turn.channel !== 'system')) return `Error: unknown channel '${channel}'. Channels: ${options.enabledChannels.join(', ')}`;
      const chatId = chatArg?.trim() || (channel === turn.channel ? turn.chatId : '');
      if (chatId === '') return `Error: chat_id is needed to write to ${channel}`;
      const here = channel === turn.channel && chatId === turn.chatId;
      if (!here) {
        if (options.sendElsewhere === undefined) return 'Error: only this chat can be reached here (the cluster is not running)';
        if (!options.enabledChannels.includes(channel)) return `Error: the ${channel} channel is not enabled`;
        if (channel === 'telegram' && !/^-?\d+$/.test(chatId)) return `Error: a Telegram chat_id is a number, not '${chatId}'`;
      }
      const message: OutboundMessage = {
        kind: 'reply',
        id: toJobId(`${context.callId}-message`),
        inReplyTo: turn.id,
        channel,
        chatId,
        ...(here && turn.threadId !== undefined ? { threadId: turn.threadId } : {}),
        text: content,
        format: channel === 'telegram' ? 'markdown' : 'plain',
      };
      await (here ? options.send : (options.sendElsewhere ?? options.send))(message);
      return { content: `Message sent to ${channel}:${chatId}`, deliveredToChat: here };
    },
  });
}
