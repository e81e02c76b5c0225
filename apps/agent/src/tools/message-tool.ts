import { z } from 'zod';
import { stat } from 'node:fs/promises';
import { channelNames, isAppError, toJobId, type ChannelName, type OutboundMessage } from '@nanobot/core';
import type { PathGuard } from './protected-paths.js';
import type { SendReply } from '../turn/to-reply.js';
import { defineTool, type Tool } from './tool-registry.js';

export type MessageToolOptions = {
  /** The turn's own chat (the outbound queue of its channel, or the terminal). */
  send: SendReply;
  /** Any chat of an enabled channel (the cluster's outbound queues); without it only the turn's chat is reached. */
  sendElsewhere?: SendReply;
  /** Channels whose workers run, so a message to them is delivered. */
  enabledChannels: readonly ChannelName[];
  /** Which files `media` may send: the file tools' guard, so no secret leaves as an attachment. Without it, no files. */
  guard?: PathGuard;
};

/** Telegram's upload limit for bots; WhatsApp's is higher, so this one holds for both. */
const maxFileBytes = 50 * 1024 * 1024;

/** The real paths of the files to send, or the reason one may not go. */
async function checkMedia(paths: string[], guard: PathGuard | undefined): Promise<string[] | string> {
  if (paths.length === 0) return [];
  if (guard === undefined) return 'Error: files cannot be sent from here';
  const real: string[] = [];
  for (const path of paths) {
    let resolved: string;
    try {
      resolved = await guard.resolve(path, 'read');
    } catch (err) {
      if (isAppError(err, 'TOOL_FAILED')) return `Error: ${err.message}`;
      throw err;
    }
    const info = await stat(resolved).catch(() => undefined);
    if (info === undefined || !info.isFile()) return `Error: no file at ${path}`;
    if (info.size > maxFileBytes) return `Error: ${path} is larger than the 50 MB a chat accepts`;
    real.push(resolved);
  }
  return real;
}

const isChannel = (value: string): value is ChannelName => (channelNames as readonly string[]).includes(value);

/**
 * nanobot's `message`: sends text, and files (`media`, read through the file tools' guard), to a chat, this one by default. The outbound id comes from
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
      content: z.string().default('').describe('The message text (the caption when files are attached)'),
      media: z.array(z.string().min(1)).max(10).optional().describe('Paths of files to attach (images, documents, audio, video); images go as photos'),
      channel: z.string().optional().describe(`Target channel (${channelNames.filter((c) => c !== 'system').join(', ')}); default: this chat's`),
      chat_id: z.string().min(1).optional().describe("Target chat id on that channel; default: this chat's"),
    }),
    async execute({ content, media: mediaArg, channel: channelArg, chat_id: chatArg }, context) {
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
      if (content.trim() === '' && (mediaArg ?? []).length === 0) return 'Error: content or media is needed';
      const media = await checkMedia(mediaArg ?? [], options.guard);
      if (typeof media === 'string') return media;
      const message: OutboundMessage = {
        kind: 'reply',
        id: toJobId(`${context.callId}-message`),
        inReplyTo: turn.id,
        channel,
        chatId,
        ...(here && turn.threadId !== undefined ? { threadId: turn.threadId } : {}),
        text: content,
        format: channel === 'telegram' ? 'markdown' : 'plain',
        ...(media.length === 0 ? {} : { media }),
      };
      await (here ? options.send : (options.sendElsewhere ?? options.send))(message);
      const attached = media.length === 0 ? '' : ` with ${media.length} file${media.length === 1 ? '' : 's'}`;
      return { content: `Message sent to ${channel}:${chatId}${attached}`, deliveredToChat: here };
    },
  });
}
