import { scrubSecrets } from '@nanobot/log';
import { toJobId } from '@nanobot/core';
import type { ToolCall } from '../llm/chat-types.js';
import type { RecordedStep } from '../tools/tool-call-journal.js';
import type { TurnRef } from '../tools/tool-registry.js';
import type { SendReply } from './to-reply.js';

/** nanobot's `toolHintMaxLength` default: how much of a call's argument a hint shows. */
export const hintArgMaxChars = 40;

/** The argument a hint shows, per tool; other tools (and `message`, whose text is the user's to read anyway) show their name only. */
const hintArgument: Record<string, string[]> = {
  exec: ['command'],
  read_file: ['path'],
  write_file: ['path'],
  edit_file: ['path'],
  list_dir: ['path'],
  web_search: ['query'],
  web_fetch: ['url'],
  spawn: ['label', 'task'],
};

const secretName = String.raw`[\w.-]*(?:token|api[-_]?key|secret|passw(?:or)?d|pwd|auth\w*|cookie|credential|private[-_]?key|access[-_]?key)s?`;
/** `KEY=value`, `"apiKey": "…"`, `Authorization: …`, `--password=x`, `--token x`. */
const namedSecret = new RegExp(String.raw`(${secretName}["']?\s*[=:]\s*|--${secretName}\s+)("[^"]*"|'[^']*'|\S+)`, 'gi');
const urlQuery = /(\bhttps?:\/\/[^\s?#]+)[?#]\S*/gi;
/** Hashes, base64 blobs and keys of unknown shape. */
const opaque = /[A-Za-z0-9+/_=-]{32,}/g;

/** A hint never shows a secret: known token shapes, named values, URL queries and long opaque strings are masked. */
export function maskHintText(text: string): string {
  return scrubSecrets(text.replace(/\s+/g, ' ').trim())
    .replace(namedSecret, '$1***')
    .replace(urlQuery, '$1?…')
    .replace(opaque, '***');
}

function argumentOf(call: ToolCall): string | undefined {
  const keys = hintArgument[call.name];
  if (keys === undefined) return undefined;
  let args: unknown;
  try {
    args = JSON.parse(call.argumentsJson);
  } catch {
    return undefined;
  }
  for (const key of keys) {
    const value = (args as Record<string, unknown> | null)?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/** `running exec: ls -la`, the argument masked, then cut to `hintArgMaxChars`. */
export function toToolHint(call: ToolCall): string {
  const raw = argumentOf(call);
  if (raw === undefined) return `running ${call.name}`;
  const masked = maskHintText(raw);
  const shown = masked.length > hintArgMaxChars ? `${masked.slice(0, hintArgMaxChars - 1)}…` : masked;
  return `running ${call.name}: ${shown}`;
}

/** The model's words beside its tool calls, without reasoning blocks. */
export const toProgressText = (text: string): string => text.replace(/<think>[\s\S]*?<\/think>/g, '').trim();

export type ProgressSettings = { sendProgress: boolean; sendToolHints: boolean };

/**
 * nanobot's progress messages: at each tool iteration, the model's text beside its calls
 * (`channels.sendProgress`) and a line per call (`channels.sendToolHints`), sent to the chat
 * while the turn goes on. Their ids come from the turn and the iteration, so a re-run turn
 * (which replays its recorded iterations) sends none twice. Chat channels only: a scheduled
 * turn's answer is forwarded by the scheduler, and `nanobot agent` waits for the answer alone.
 */
export function createProgressSender(options: ProgressSettings & { send: SendReply }) {
  return async (turn: TurnRef, iteration: number, step: RecordedStep): Promise<void> => {
    if (turn.channel !== 'telegram' && turn.channel !== 'whatsapp') return;
    const send = async (part: string, text: string) =>
      options.send({
        kind: 'reply',
        id: toJobId(`${turn.id}-${iteration}-${part}`),
        inReplyTo: turn.id,
        channel: turn.channel,
        chatId: turn.chatId,
        ...(turn.threadId === undefined ? {} : { threadId: turn.threadId }),
        text,
        format: part === 'progress' ? (turn.channel === 'telegram' ? 'markdown' : 'plain') : 'plain',
        progress: true,
      });
    const words = toProgressText(step.text);
    if (options.sendProgress && words !== '') await send('progress', words);
    if (options.sendToolHints && step.calls.length > 0) await send('hint', step.calls.map(toToolHint).join('\n'));
  };
}
