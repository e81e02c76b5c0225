import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError } from '@nanobot/core';

const require = createRequire(import.meta.url);
export const logRotateModule = 'pm2-logrotate';

/** pm2's module settings (`$PM2_HOME/module_conf.json`), read and written by pm2's own code. */
type Pm2Configuration = {
  getSync(key: string): unknown;
  setSync(key: string, value: unknown): unknown;
  setSyncIfNotExist(key: string, value: unknown): unknown;
};
/** pm2's npm-module starter, the one its daemon uses to bring modules back at start. */
type Pm2NpmModules = { start(pm2: unknown, modules: Record<string, object>, name: string, done: () => void): void };
type Pm2Constants = { DEFAULT_MODULE_PATH: string; MODULE_CONF_PREFIX: string };

export type LogRotationSettings = { maxSizeMb: number; retainFiles: number };

/** pm2-logrotate's keys for our settings; its other keys keep their defaults (daily rotation at midnight too). */
export function toLogRotateConf(settings: LogRotationSettings): Record<string, string> {
  return { max_size: `${settings.maxSizeMb}M`, retain: String(settings.retainFiles), compress: 'false' };
}

/**
 * Where pm2 looks for an installed npm module (`$PM2_HOME/modules/<name>/node_modules/<name>`) points
 * at the copy npm installed with this project: `pm2 install` would fetch it from the registry at
 * runtime instead. A link, so its own dependencies (pm2, pmx) resolve from this project.
 */
function linkModule(moduleDir: string, modulesPath: string): void {
  const target = join(modulesPath, logRotateModule, 'node_modules', logRotateModule);
  if (existsSync(target) || isLink(target)) {
    if (isLink(target) && readlinkSync(target) === moduleDir) return;
    rmSync(target, { recursive: true, force: true });
  }
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(moduleDir, target, 'dir');
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false; // absent
  }
}

export type LogRotationResult = { started: boolean; changed: boolean };

/**
 * Installs pm2-logrotate into the pm2 of `PM2_HOME` as a pm2 module (listed by `pm2 ls` under
 * Modules, configured in `pm2 conf`, brought back by the daemon after a reboot), with the size and
 * retention of the config. `pm2` is the connected pm2 API; `running` whether the module runs now;
 * `restart` applies changed settings to a running module.
 */
export async function installLogRotation(options: {
  pm2: unknown;
  settings: LogRotationSettings;
  running: boolean;
  restart: (name: string) => Promise<void>;
}): Promise<LogRotationResult> {
  const cst = require('pm2/constants.js') as Pm2Constants;
  const configuration = require('pm2/lib/Configuration.js') as Pm2Configuration;
  const npmModules = require('pm2/lib/API/Modules/NPM.js') as Pm2NpmModules;
  const moduleDir = dirname(require.resolve(`${logRotateModule}/package.json`));
  linkModule(moduleDir, cst.DEFAULT_MODULE_PATH);
  // Its other settings with the defaults of its package.json, as `pm2 install` writes them (`pm2 conf` shows all).
  const defaults = (require(`${logRotateModule}/package.json`) as { config?: Record<string, unknown> }).config ?? {};
  for (const [key, value] of Object.entries(defaults)) configuration.setSyncIfNotExist(`${logRotateModule}:${key}`, value);
  let changed = false;
  for (const [key, value] of Object.entries(toLogRotateConf(options.settings))) {
    const full = `${logRotateModule}:${key}`;
    if (configuration.getSync(full) === value) continue;
    if (configuration.setSync(full, value) === null) throw new AppError('INTERNAL', `pm2 could not save ${full} (no module_conf.json in PM2_HOME)`);
    changed = true;
  }
  const registered = `${cst.MODULE_CONF_PREFIX}:${logRotateModule}`;
  if (configuration.getSync(registered) == null) configuration.setSync(registered, {});
  if (options.running) {
    if (changed) await options.restart(logRotateModule);
    return { started: false, changed };
  }
  await new Promise<void>((resolve) => npmModules.start(options.pm2, { [logRotateModule]: {} }, logRotateModule, resolve));
  return { started: true, changed };
}
