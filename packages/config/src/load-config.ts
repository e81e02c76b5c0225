import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@nanobot/core';
import { parseConfig } from './parse-config.js';
import { parseJsonText } from './parse-json-text.js';
import { redisConfigWarnings, resolveRedis, type RedisTarget } from './resolve-redis.js';
import { expandHome, resolveNanobotHome } from './resolve-nanobot-home.js';
import type { Config } from './schema.js';

export type LoadConfigOptions = {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Defaults to `<nanobotHome>/config.json`. */
  path?: string;
};

export type LoadedConfig = {
  config: Config;
  warnings: string[];
  path: string;
  /** False when there is no config.json: the defaults apply, as in nanobot. */
  exists: boolean;
  nanobotHome: string;
  redis: RedisTarget;
};

/** Reads, parses and validates `$NANOBOT_HOME/config.json`; throws AppError CONFIG_INVALID. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { env, homeDir } = options;
  const nanobotHome = resolveNanobotHome(env, homeDir);
  const path = options.path === undefined ? join(nanobotHome, 'config.json') : expandHome(options.path, homeDir);
  const text = await readConfigText(path);
  const raw = text === undefined ? {} : parseJsonText(text, path);
  const { config, warnings } = parseConfig(raw, { env, homeDir, nanobotHome, source: path });
  const redis = resolveRedis(config, env, { nanobotHome, file: path });
  return { config, warnings: [...warnings, ...redisConfigWarnings(config, redis)], path, exists: text !== undefined, nanobotHome, redis };
}

async function readConfigText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return undefined;
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unknown error';
    throw new AppError('CONFIG_INVALID', `${path}: cannot read the config file (${code})`, {
      cause: error,
      details: { path: '', file: path },
    });
  }
}

function isErrnoCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
