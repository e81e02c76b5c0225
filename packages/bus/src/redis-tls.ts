import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { AppError, type RedisTlsFiles } from '@nanobot/core';

export type { RedisTlsFiles };

/**
 * Reads the files once, at connect time. A missing file is a config error naming the field,
 * never the file's content.
 */
export function redisTlsOptions(files: RedisTlsFiles): ConnectionOptions {
  const read = (field: 'ca' | 'cert' | 'key'): Buffer | undefined => {
    const path = files[field];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `redis.tls.${field}: cannot read ${path}`, { cause });
    }
  };
  const options: ConnectionOptions = { rejectUnauthorized: files.rejectUnauthorized ?? true };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  if (ca !== undefined) options.ca = ca;
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (files.servername !== undefined) options.servername = files.servername;
  return options;
}
