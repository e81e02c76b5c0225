import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { AppError } from '@nanobot/core';

export type Prompter = {
  /** Shows the question and resolves with the next line typed (trimmed). */
  ask(question: string): Promise<string>;
  /** Like ask, but what is typed is not shown (a key, a token). */
  askSecret(question: string): Promise<string>;
  close(): void;
};

/**
 * Questions on a terminal, one line each, through one readline interface so lines typed
 * ahead are kept in order. A secret's echo is swallowed by muting the interface's output
 * while it is typed. Ctrl-C or the end of input rejects the open question,
 * so nothing half-answered is written.
 */
export function createPrompter(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream): Prompter {
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input, output: echo, terminal: input.isTTY === true });
  const lines: string[] = [];
  let waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  let ended: Error | undefined;
  const end = (why: string) => {
    ended = new AppError('CONFIG_INVALID', `onboarding ${why}: nothing was written`);
    waiting?.reject(ended);
    waiting = undefined;
  };
  rl.on('line', (line) => {
    if (waiting === undefined) lines.push(line);
    else {
      const { resolve } = waiting;
      waiting = undefined;
      resolve(line);
    }
  });
  rl.on('SIGINT', () => {
    output.write('\n');
    end('cancelled');
    rl.close();
  });
  rl.on('close', () => end('stopped: the input ended before every question was answered'));

  const next = (): Promise<string> => {
    const typed = lines.shift();
    if (typed !== undefined) return Promise.resolve(typed);
    if (ended !== undefined) return Promise.reject(ended);
    return new Promise((resolve, reject) => (waiting = { resolve, reject }));
  };

  return {
    async ask(question) {
      output.write(question);
      return (await next()).trim();
    },
    async askSecret(question) {
      output.write(question);
      muted = true;
      try {
        return (await next()).trim();
      } finally {
        muted = false;
        output.write('\n');
      }
    },
    close: () => rl.close(),
  };
}
