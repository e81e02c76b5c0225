/**
 * Prints a streamed answer to the terminal as it grows: each update writes only what is new. An
 * update that does not continue what is printed (the model began a new answer after a tool call)
 * starts on a fresh line. `finish` prints the rest of the final reply, or the whole reply when
 * nothing streamed.
 */
export function createStreamPrinter(write: (text: string) => void) {
  let printed = '';
  return {
    update(textSoFar: string): void {
      if (textSoFar.startsWith(printed)) write(textSoFar.slice(printed.length));
      else write(`\n${textSoFar}`);
      printed = textSoFar;
    },
    /** True when this reply was the one streamed, and its rest is printed. */
    finish(reply: string): boolean {
      if (printed === '') return false;
      write(reply.startsWith(printed) ? `${reply.slice(printed.length)}\n` : `\n${reply}\n`);
      printed = '';
      return true;
    },
  };
}
