import { GrammyError, type Api } from 'grammy';

/**
 * How far a probe looks (docs/reliability.md, "the send window"): at most `maxCalls`
 * `editMessageText` calls on the ids after the chat's newest known one, stopping after
 * `missesInARow` ids in a row that do not exist (the end of the chat). Message ids are
 * counted per chat and shared by everyone's messages in it, so the ids in between are the
 * user's (and, in groups, other members' and bots') messages: up to `maxCalls` of them
 * may sit between the last known id and the reply.
 */
export const defaultProbeBounds = { maxCalls: 10, missesInARow: 3 } as const;
export type ProbeBounds = { maxCalls: number; missesInARow: number };

/** Every chunk is sent with these; a probe passes them too, so it changes nothing about the message. */
export const linkPreviewOptions = { is_disabled: true } as const;

export type ProbeTarget = {
  chatId: string;
  /** The chunk's message, if it exists, has an id above this one. */
  floor: number;
  /** Ids at or above this cannot be the chunk: a message we sent after it. */
  below?: number;
  /** Ids known to be our other messages: never probed, an edit would change them. */
  skip: ReadonlySet<number>;
  /** Exactly what was sent. */
  text: string;
  parseMode?: string;
  /** The chunk is a file and `text` its caption: probed with editMessageCaption. */
  caption?: boolean;
};

export type ProbeOutcome =
  | { kind: 'found'; messageId: number; calls: number }
  /** A message of ours with other content took the probe's text (should never happen). */
  | { kind: 'rewritten'; messageId: number; calls: number }
  | { kind: 'absent'; calls: number }
  /** Telegram cannot parse this HTML, so a request with it never delivered anything. */
  | { kind: 'unparsable'; calls: number }
  | { kind: 'inconclusive'; reason: string; calls: number };

type Answer = 'same' | 'missing' | 'other' | 'edited' | 'unparsable';

/**
 * Telegram's answers to `editMessageText` with the message's own content
 * (https://core.telegram.org/bots/api#editmessagetext, and the descriptions the Bot API
 * returns): "message is not modified" only for a message of this bot with exactly this
 * content; "message to edit not found" for an id with no message; "message can't be
 * edited" for someone else's message. Anything else (429, 5xx, network) is thrown.
 */
async function ask(api: Api, target: ProbeTarget, messageId: number): Promise<Answer> {
  try {
    const parseMode = target.parseMode === undefined ? {} : { parse_mode: target.parseMode as 'HTML' };
    if (target.caption === true) {
      // A file's message: the same answers for its caption ("there is no caption" for a text message).
      await api.editMessageCaption(target.chatId, messageId, { ...(target.text === '' ? {} : { caption: target.text }), ...parseMode });
    } else {
      await api.editMessageText(target.chatId, messageId, target.text, { ...parseMode, link_preview_options: linkPreviewOptions });
    }
    return 'edited';
  } catch (err) {
    if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
    const description = err.description.toLowerCase();
    if (description.includes('message is not modified')) return 'same';
    if (description.includes('message to edit not found')) return 'missing';
    if (description.includes("message can't be edited") || description.includes('no text in the message to edit') || description.includes('no caption in the message to edit')) {
      return 'other';
    }
    if (description.includes("can't parse entities")) return 'unparsable';
    throw err;
  }
}

/**
 * Asks Telegram whether a chunk whose send may or may not have happened is in the chat,
 * without changing any message: a probe edits a message only into the content it already
 * has, and never touches ids known to be our other messages.
 */
export async function probeDelivery(
  api: Api,
  target: ProbeTarget,
  bounds: ProbeBounds = defaultProbeBounds,
  /** Throws unless this process may still act for the bot (poller lease): checked before each edit. */
  fence?: () => Promise<void>,
): Promise<ProbeOutcome> {
  let calls = 0;
  let misses = 0;
  for (let id = target.floor + 1; ; id += 1) {
    if (target.below !== undefined && id >= target.below) return { kind: 'absent', calls };
    if (target.skip.has(id)) continue;
    if (calls >= bounds.maxCalls) {
      return { kind: 'inconclusive', reason: `none of ${bounds.maxCalls} messages after ${target.floor} is it`, calls };
    }
    calls += 1;
    await fence?.();
    const answer = await ask(api, target, id);
    switch (answer) {
      case 'same':
        return { kind: 'found', messageId: id, calls };
      case 'edited':
        return { kind: 'rewritten', messageId: id, calls };
      case 'unparsable':
        return { kind: 'unparsable', calls };
      case 'missing':
        misses += 1;
        if (misses >= bounds.missesInARow) return { kind: 'absent', calls };
        break;
      case 'other':
        misses = 0;
        break;
      default: {
        const unexpected: never = answer;
        throw new Error(`unexpected probe answer ${String(unexpected)}`);
      }
    }
  }
}
