import { z } from 'zod';
import { AppError } from './app-error.js';
import { channelNames } from './session-key.js';

const channel = z.enum(channelNames);

/** Commands the agent handles itself; `isImmediateCommand` says which are answered even while a turn runs. */
export const commandNames = ['start', 'new', 'stop', 'help', 'status', 'model', 'history', 'restart'] as const;
export type CommandName = (typeof commandNames)[number];

const inboundBase = z.object({
  /** Source-derived id; the inbound job id. Stable across redeliveries. */
  id: z.string().min(1),
  channel,
  chatId: z.string().min(1),
  senderId: z.string().min(1),
  sessionKey: z.string().min(1),
  /** Ingress order within the channel; decides turn order inside a session. */
  seq: z.number().int().nonnegative(),
  receivedAt: z.number().int().nonnegative(),
  /** Telegram forum topic id, carried back on replies. */
  threadId: z.string().optional(),
  /** The source message id, for reply-to on the way back. */
  sourceMessageId: z.string().optional(),
});

export const inboundMessageSchema = z.discriminatedUnion('kind', [
  inboundBase.extend({
    kind: z.literal('message'),
    text: z.string(),
    media: z.array(z.string()).default([]),
  }),
  inboundBase.extend({
    kind: z.literal('command'),
    command: z.enum(commandNames),
    /** Text after the command word, if any. */
    args: z.string().default(''),
  }),
]);

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type InboundInput = z.input<typeof inboundMessageSchema>;
export type CommandMessage = InboundMessage & { kind: 'command' };

/**
 * Commands answered at once, even while a turn of the session runs, so they never wait in the
 * session's mailbox; `/new` and `/model` are turns of their own and wait their place in the order.
 */
const immediateCommandNames: ReadonlySet<CommandName> = new Set(['start', 'help', 'status', 'stop', 'history', 'restart']);

export function isImmediateCommand(message: InboundMessage): message is CommandMessage {
  return message.kind === 'command' && immediateCommandNames.has(message.command);
}

export const outboundMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('reply'),
    /** Outbound job id: derived from the inbound id, so a re-run turn adds no second reply. */
    id: z.string().min(1),
    inReplyTo: z.string().min(1),
    channel,
    chatId: z.string().min(1),
    threadId: z.string().optional(),
    replyToMessageId: z.string().optional(),
    text: z.string(),
    format: z.enum(['markdown', 'plain']),
    /** Files to send with the reply (absolute paths the channel worker can read); the text is their caption. */
    media: z.array(z.string().min(1)).optional(),
    /** A hint sent while the turn runs (`channels.sendProgress`, `sendToolHints`): the turn's answer is still to come. */
    progress: z.boolean().optional(),
    /** The inbound message's receivedAt, for the channel's reply latency metric. */
    receivedAt: z.number().int().nonnegative().optional(),
  }),
  z.object({
    /**
     * A preview of a reply still being written (streaming): the text so far. The channel shows it
     * in one message that it edits; the reply of `replyId` then finishes that same message.
     */
    kind: z.literal('stream'),
    /** Unique per update; updates are idempotent (an edit to the text so far). */
    id: z.string().min(1),
    /** The id of the reply this update previews (`<inbound id>-reply`). */
    replyId: z.string().min(1),
    inReplyTo: z.string().min(1),
    channel,
    chatId: z.string().min(1),
    threadId: z.string().optional(),
    replyToMessageId: z.string().optional(),
    text: z.string(),
    format: z.enum(['markdown', 'plain']),
  }),
]);

export type OutboundMessage = z.infer<typeof outboundMessageSchema>;

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? issue.path.join('.') || '(root)' : '(root)';
  throw new AppError('MESSAGE_INVALID', `invalid ${what} at ${path}: ${issue?.message ?? 'unknown'}`, {
    cause: result.error,
    details: { path },
  });
}

export function parseInboundMessage(value: unknown): InboundMessage {
  return parseWith(inboundMessageSchema, value, 'inbound message');
}

export function parseOutboundMessage(value: unknown): OutboundMessage {
  return parseWith(outboundMessageSchema, value, 'outbound message');
}
