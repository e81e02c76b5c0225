/**
 * What the Telegram channel sends for one agent reply: Markdown split into messages, each as
 * Telegram HTML plus its raw text, the fallback sent without parse_mode when Telegram rejects
 * the HTML.
 */
import { escapeHtml, toTelegramHtml } from './markdown-to-html.js';
import { splitMessage } from './split-message.js';

export type RenderedChunk = { html: string; plain: string };

/** Bot API limit for a message's text after entity parsing, in UTF-16 code units. */
export const TELEGRAM_TEXT_LIMIT = 4096;
const CHUNK_CHARS = 4000;
const MIN_RESPLIT_CHARS = 256;

/** Length of the text Telegram shows for our HTML: tags removed, each entity one character. */
export function visibleLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(?:lt|gt|amp|quot);/g, '&').length;
}

export function renderReply(markdown: string): RenderedChunk[] {
  // Telegram rejects text that is not valid UTF-8, so a lone surrogate becomes U+FFFD.
  const text = markdown.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return splitMessage(text, CHUNK_CHARS).flatMap((chunk) => renderChunk(chunk, CHUNK_CHARS));
}

function renderChunk(plain: string, maxChars: number): RenderedChunk[] {
  const html = toTelegramHtml(plain);
  const visible = visibleLength(html);
  const shown = html.replace(/<[^>]*>/g, '').trim() !== '';
  if (visible <= TELEGRAM_TEXT_LIMIT && shown) return [{ html, plain }];
  // Rendering can grow a chunk (tables are padded into columns): split it finer and retry.
  if (shown && maxChars > MIN_RESPLIT_CHARS) {
    const smaller = Math.max(MIN_RESPLIT_CHARS, Math.floor((maxChars * TELEGRAM_TEXT_LIMIT) / visible) - 64);
    const finer = Math.min(smaller, maxChars - 1);
    return splitMessage(plain, finer).flatMap((chunk) => renderChunk(chunk, finer));
  }
  // Nothing visible (an empty code block) or still too long: show the raw text as it is.
  return [{ html: escapeHtml(plain), plain }];
}
