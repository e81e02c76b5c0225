import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { AppError } from '@nanobot/core';
import { nanobotPaths } from './nanobot-paths.js';

/** What a password file may hold: URL- and redis.conf-safe, so it needs no quoting anywhere. */
const validPassword = /^[A-Za-z0-9._~-]{16,512}$/;

const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException).code === code;

/** The embedded Redis's password, or undefined while the cluster was never started. */
export function readRedisPassword(nanobotHome: string): string | undefined {
  const file = nanobotPaths(nanobotHome).redisPassword;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw new AppError('CONFIG_INVALID', `${file}: cannot read the Redis password file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const password = text.trim();
  // Never the content: it is a secret even when malformed.
  if (!validPassword.test(password)) {
    throw new AppError('CONFIG_INVALID', `${file}: expected 16 to 512 characters of A-Z a-z 0-9 . _ ~ - on one line`);
  }
  return password;
}

/** Creates `path` with `text`, mode 0600 from the first byte; false when it already exists. */
function createSecretFile(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if (isCode(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Secrets stay readable by their owner only, also when an older version or a user loosened them. */
function tighten(path: string, mode: number): void {
  if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
}

export type EmbeddedRedisFiles = { dir: string; confFile: string; passwordFile: string; generated: boolean };

/**
 * Prepares the embedded Redis's folder before it starts: mode 0700 (its AOF holds queued
 * conversations), a random password (32 bytes, hex) in `redis/password` on the first start,
 * and `redis/redis.conf` with `requirepass`, rewritten from the password at every start.
 * redis-server reads the password from that file, not from its command line, which every
 * local user can read in `ps`. The password is never printed.
 */
export function prepareEmbeddedRedis(nanobotHome: string): EmbeddedRedisFiles {
  const paths = nanobotPaths(nanobotHome);
  mkdirSync(paths.redisDir, { recursive: true, mode: 0o700 });
  tighten(paths.redisDir, 0o700);
  const generated = createSecretFile(paths.redisPassword, `${randomBytes(32).toString('hex')}\n`);
  tighten(paths.redisPassword, 0o600);
  const password = readRedisPassword(nanobotHome) as string;
  const temp = `${paths.redisConf}.${randomBytes(6).toString('hex')}.tmp`;
  const conf = ['# Written by nanobot at every start from ./password (edits here are overwritten).', `requirepass ${password}`, ''].join('\n');
  if (!createSecretFile(temp, conf)) throw new AppError('INTERNAL', `${temp} already exists`);
  renameSync(temp, paths.redisConf);
  return { dir: paths.redisDir, confFile: paths.redisConf, passwordFile: paths.redisPassword, generated };
}
