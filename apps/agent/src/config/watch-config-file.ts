import { watch, type FSWatcher } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Config } from '@nanobot/config';
import { describeError, toAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';

export type ConfigWatcherOptions = {
  path: string;
  /** Reads and validates the file as at start (env references and overrides included). */
  load: () => Promise<Config>;
  /** Takes a valid config over; throws when it cannot be used (the old one stays). */
  apply: (config: Config) => void;
  log: Logger;
  /** Editors write in bursts (truncate, write, rename): wait this long for quiet. Default 300 ms. */
  debounceMs?: number;
};

export type ReloadOutcome = 'applied' | 'refused' | 'unchanged';

export type ConfigWatcher = {
  start(): Promise<void>;
  /** Reads the file now (what a change event triggers). */
  reload(): Promise<ReloadOutcome>;
  stop(): void;
};

/**
 * Watches the config file (its folder, so a file replaced by rename is seen too) and hands
 * every valid new version to `apply`. A broken edit is refused with an error log naming the
 * file and the field, and the config in force stays as it was.
 */
export function createConfigWatcher(options: ConfigWatcherOptions): ConfigWatcher {
  const { log } = options;
  let lastText: string | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const readText = () => readFile(options.path, 'utf8').catch(() => undefined);

  async function reloadOnce(): Promise<ReloadOutcome> {
    const text = await readText();
    // Gone (an editor between delete and write, or removed by hand): keep what is in force, never the defaults.
    if (text === undefined || text === lastText) return 'unchanged';
    lastText = text;
    try {
      options.apply(await options.load());
      return 'applied';
    } catch (err) {
      const error = toAppError(err);
      const field = typeof error.details?.['path'] === 'string' ? error.details['path'] : undefined;
      log.error({ code: error.code, field, file: options.path, reason: describeError(error) }, 'config change refused, the previous config stays in use');
      return 'refused';
    }
  }

  /** One reload at a time, in the order the changes came. */
  const reload = (): Promise<ReloadOutcome> => {
    const next = chain.then(reloadOnce);
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    async start() {
      lastText = await readText();
      // A config.json that is a symlink (a dotfiles repository) is watched where it really lives, as nanobot does.
      const target = await realpath(options.path).catch(() => options.path);
      const name = basename(target);
      watcher = watch(dirname(target), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          void reload();
        }, options.debounceMs ?? 300);
      });
      watcher.on('error', (err) => log.warn({ err, file: options.path }, 'cannot watch the config file; changes apply after nanobot restart'));
    },
    reload,
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      watcher?.close();
    },
  };
}
