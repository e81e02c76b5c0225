/** The `failed` count of a queue in `nanobot status` output (tests read what a user reads). */
export function failedCountIn(statusText: string, queue: string): number {
  const match = new RegExp(`^\\s*${queue}\\s.*\\bfailed (\\d+)`, 'm').exec(statusText);
  if (!match?.[1]) throw new Error(`no counts for ${queue} in:\n${statusText}`);
  return Number(match[1]);
}
