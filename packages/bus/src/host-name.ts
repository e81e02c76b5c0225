/**
 * The host name in status records and in `nanobot status`: `NANOBOT_HOST` when set (two
 * "hosts" on one machine, or a name clearer than the machine's), else the machine's own.
 */
export function resolveHostName(env: Record<string, string | undefined>, machineName: string): string {
  const chosen = env.NANOBOT_HOST?.trim();
  return chosen === undefined || chosen === '' ? machineName : chosen;
}
