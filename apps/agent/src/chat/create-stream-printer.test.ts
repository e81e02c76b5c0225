import { describe, expect, it } from 'vitest';
import { createStreamPrinter } from './create-stream-printer.js';

describe('printing a streamed answer in the terminal', () => {
  it('writes only what is new, then the rest of the reply and a newline', () => {
    let out = '';
    const printer = createStreamPrinter((text) => (out += text));
    printer.update('Hel');
    printer.update('Hello wor');
    expect(out).toBe('Hello wor');
    expect(printer.finish('Hello world.')).toBe(true);
    expect(out).toBe('Hello world.\n');
    expect(printer.finish('next')).toBe(false);
  });

  it('starts a fresh line when the answer begins anew, and prints a final that differs in full', () => {
    let out = '';
    const printer = createStreamPrinter((text) => (out += text));
    printer.update('Let me check');
    printer.update('The file says hi');
    printer.finish('The file says: hi');
    expect(out).toBe('Let me check\nThe file says hi\nThe file says: hi\n');
  });
});
