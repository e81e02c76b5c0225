import { AppError } from '@nanobot/core';

/**
 * JSON.parse with an error that names the file and the line/column, and never echoes the text:
 * V8's own message quotes the input around the error, which may hold an API key. For the same
 * reason the SyntaxError is not kept as `cause` (log serializers print causes).
 */
export function parseJsonText(text: string, file: string): unknown {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(withoutBom) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('CONFIG_INVALID', `${file}: invalid JSON: ${describeSyntaxError(message, withoutBom)}`, {
      details: { path: '', file },
    });
  }
}

function describeSyntaxError(message: string, text: string): string {
  if (/Unexpected end of JSON input/.test(message)) return 'unexpected end of input';
  const position = /at position (\d+)/.exec(message)?.[1] ?? findStrayCharacter(text);
  const where = position === undefined ? '' : ` at ${toLineColumn(text, Number(position))}`;
  return `${safeReason(message)}${where}`;
}

/** V8's reason without the quoted input: "Expected ',' or '}' after property value". */
function safeReason(message: string): string {
  if (message.startsWith('Unexpected token')) return 'unexpected character';
  const reason = /^(.{1,80}?) (in|after) JSON at position \d+/.exec(message)?.[1];
  if (reason === undefined || reason.includes('"')) return 'syntax error';
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

const literal = /true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Offset of the first character outside strings that cannot start a JSON token, for V8 messages
 * that give no position (`Unexpected token 'x', …`). A lexical scan, not a parser.
 */
function findStrayCharacter(text: string): number | undefined {
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    if (char === '"') {
      index = skipString(text, index);
    } else if (/[\s{}[\]:,]/.test(char)) {
      index += 1;
    } else {
      literal.lastIndex = index;
      if (!literal.test(text)) return index;
      index = literal.lastIndex;
    }
  }
  return undefined;
}

function skipString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text.charAt(index) !== '"') index += text.charAt(index) === '\\' ? 2 : 1;
  return index + 1;
}

function toLineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line} column ${column}`;
}
