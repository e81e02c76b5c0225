/**
 * One request at a time per session, as nanobot's API does: the next message of a session is
 * queued only after the previous one was answered, so it starts a turn of its own instead of
 * joining the running one.
 */
export function createSessionTurns() {
  const tails = new Map<string, Promise<unknown>>();
  return function inTurn<T>(session: string, run: () => Promise<T>): Promise<T> {
    const previous = tails.get(session) ?? Promise.resolve();
    // Whatever the previous request did, this one runs after it.
    const result = previous.then(run, run);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(session, tail);
    void tail.then(() => {
      if (tails.get(session) === tail) tails.delete(session);
    });
    return result;
  };
}
