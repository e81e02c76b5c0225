/**
 * Just enough of the shell's grammar to look at a command before it runs: its words (quotes
 * and escapes removed) and its parts (split at `;`, `&&`, `||`, `|`, `&` and newlines). Not a
 * shell parser: it is the input of a best-effort check (see exec-tool.ts for what that means).
 */

export type ShellWord = { text: string; quoted: boolean };

export type ShellWords = { words: ShellWord[]; segments: string[] };

/** Characters that end a word outside quotes and are not part of any word. */
const separators = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '(', ')', '<', '>', '`']);
const segmentBreaks = new Set([';', '&', '|', '\n', '\r']);

/** Quoted text longer than this is not searched for a script inside it. */
const maxNestedChars = 20_000;

export function splitShellWords(command: string): ShellWords {
  const words: ShellWord[] = [];
  const segments: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  let segment = '';
  let depth = 0;
  const endWord = () => {
    if (inWord) words.push({ text: word, quoted });
    word = '';
    quoted = false;
    inWord = false;
  };
  const endSegment = () => {
    if (segment.trim() !== '') segments.push(segment.trim());
    segment = '';
  };
  for (let i = 0; i < command.length; i += 1) {
    const ch = command[i] ?? '';
    if (ch === "'" || ch === '"') {
      const close = findClosingQuote(command, i);
      const body = command.slice(i + 1, close);
      word += ch === '"' ? body.replace(/\\([\\"$`])/g, '$1') : body;
      segment += command.slice(i, close + 1);
      quoted = true;
      inWord = true;
      i = close;
      continue;
    }
    if (ch === '\\' && i + 1 < command.length) {
      word += command[i + 1] ?? '';
      segment += command.slice(i, i + 2);
      inWord = true;
      i += 1;
      continue;
    }
    if (ch === '$' && command[i + 1] === '(') {
      // Command substitution: its words are words of the command too.
      endWord();
      segment += '$(';
      depth += 1;
      i += 1;
      continue;
    }
    if (!separators.has(ch)) {
      word += ch;
      segment += ch;
      inWord = true;
      continue;
    }
    endWord();
    if (ch === '(') depth += 1;
    if (ch === ')') depth = Math.max(0, depth - 1);
    // `>&` / `<&` and `&>` are redirections, not a background `&`.
    const redirectAmp = ch === '&' && (command[i - 1] === '>' || command[i - 1] === '<' || command[i + 1] === '>');
    if (depth === 0 && segmentBreaks.has(ch) && !redirectAmp) endSegment();
    else segment += ch;
  }
  endWord();
  endSegment();
  return { words, segments };
}

function findClosingQuote(command: string, open: number): number {
  const quote = command[open];
  for (let i = open + 1; i < command.length; i += 1) {
    if (quote === '"' && command[i] === '\\') {
      i += 1;
      continue;
    }
    if (command[i] === quote) return i;
  }
  // Unclosed: the rest is taken as quoted, which only makes the check see more.
  return command.length;
}

/**
 * The words of a command and of the scripts quoted inside it (`bash -c "…"`, `python -c
 * "open('/x')"`), a few levels deep, so a path is not hidden from the check by quotes.
 */
export function allShellWords(command: string, depth = 0): ShellWord[] {
  const { words } = splitShellWords(command);
  if (depth >= 3) return words;
  const nested = words
    .filter((w) => w.quoted && w.text.length <= maxNestedChars && /[\s'"();|&<>=,]/.test(w.text))
    .flatMap((w) => allShellWords(w.text, depth + 1));
  return [...words, ...nested];
}
