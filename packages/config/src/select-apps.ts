import { AppError } from '@nanobot/core';

/** The parts of the cluster `nanobot start --only` (or `NANOBOT_ONLY`) can pick. */
export const selectableApps = ['redis', 'telegram', 'whatsapp', 'discord', 'slack', 'email', 'agent', 'scheduler', 'dashboard', 'api'] as const;
export type SelectableApp = (typeof selectableApps)[number];

/**
 * `agent` or `agent,scheduler`: the apps this host runs (several hosts on one Redis: host A
 * the channels, hosts B and C only agents). Empty or unset means all. `whatsapp` includes
 * its bridge.
 */
export function parseOnly(value: string | undefined): ReadonlySet<SelectableApp> | undefined {
  const names = (value ?? '').split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  if (names.length === 0) return undefined;
  const unknown = names.filter((n) => !(selectableApps as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new AppError('CONFIG_INVALID', `--only / NANOBOT_ONLY: unknown app ${unknown.join(', ')} (known: ${selectableApps.join(', ')})`);
  }
  return new Set(names as SelectableApp[]);
}

/** Whether the pm2 app `nanobot-<name>` is in the selection. */
export function isSelected(only: ReadonlySet<SelectableApp> | undefined, pm2Name: string): boolean {
  if (only === undefined) return true;
  const part = pm2Name.replace(/^nanobot-/, '').replace(/-bridge$/, '') as SelectableApp;
  return only.has(part);
}
