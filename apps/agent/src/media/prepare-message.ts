import { readFile, writeFile, rename } from 'node:fs/promises';
import { extname } from 'node:path';
import { isAppError, type InboundMessage, type OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { audioExtensions, describeFile, displayName, imageExtensions } from './describe-file.js';
import type { Transcriber } from './transcribe.js';

type TextMessage = InboundMessage & { kind: 'message' };

export type PrepareDeps = {
  transcriber?: Transcriber;
  /** Sends one line to the chat (a failed transcription); its id comes from the message. */
  notify: (message: OutboundMessage) => Promise<void>;
  toNotice: (message: TextMessage, text: string, part: string) => OutboundMessage;
  log: Logger;
};

/** Where a transcript is kept next to its recording, so a re-run turn does not ask the provider again. */
const transcriptPath = (path: string) => `${path}.transcript.txt`;

/**
 * A received message as the model reads it: a voice note or audio file transcribed (the
 * transcript is the turn's text, marked as such), every image named as `[image: <path>]` (the
 * vision step shows it), every other file summarised in one line with its path. When
 * transcription fails, the chat is told once (the notice's id comes from the message) and the
 * recording reaches the model as a file, so the turn still runs.
 */
export function createMessagePreparer(deps: PrepareDeps) {
  async function transcriptOf(message: TextMessage, path: string, signal: AbortSignal): Promise<string | undefined> {
    if (deps.transcriber === undefined) return undefined;
    const kept = await readFile(transcriptPath(path), 'utf8').catch(() => undefined);
    if (kept !== undefined) return kept;
    try {
      const text = await deps.transcriber.transcribe(path, signal);
      const temp = `${transcriptPath(path)}.${process.pid}.part`;
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, transcriptPath(path));
      deps.log.info({ messageId: message.id, provider: deps.transcriber.provider }, 'voice message transcribed');
      return text;
    } catch (err) {
      if (signal.aborted) throw err;
      const reason = isAppError(err, 'TOOL_FAILED') ? err.message : 'an unexpected error';
      deps.log.warn({ err, messageId: message.id }, 'transcription failed');
      await deps.notify(deps.toNotice(message, `I could not transcribe your voice message (${reason}); I'll go on with the recording as a file.`, 'transcription-failed'));
      return undefined;
    }
  }

  return async function prepare(message: TextMessage, signal: AbortSignal): Promise<TextMessage> {
    if (message.media.length === 0) return message;
    const heard: string[] = [];
    const lines: string[] = [];
    for (const path of message.media) {
      const ext = extname(path).toLowerCase();
      if (imageExtensions.has(ext)) {
        lines.push(`[image: ${path}]`);
        continue;
      }
      const transcript = audioExtensions.has(ext) ? await transcriptOf(message, path, signal) : undefined;
      if (transcript !== undefined) {
        heard.push(transcript === '' ? '(nothing could be made out)' : transcript);
        lines.push(`[voice message ${displayName(path)}, transcribed above, at ${path}]`);
        continue;
      }
      lines.push(await describeFile(path, audioExtensions.has(ext) ? 'audio' : 'file'));
    }
    const spoken = heard.length === 0 ? [] : [`[transcribed voice message] ${heard.join('\n')}`];
    const text = [...spoken, message.text, ...lines].filter((part) => part !== '').join('\n');
    return { ...message, text };
  };
}

export type MessagePreparer = ReturnType<typeof createMessagePreparer>;
