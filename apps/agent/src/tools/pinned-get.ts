import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ResolvedAddress } from './ssrf-guard.js';

export type PinnedResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than `maxBytes` and was cut there. */
  truncated: boolean;
};

export type PinnedGetOptions = {
  /** The address the guard checked: the connection goes there and nowhere else. */
  address: ResolvedAddress;
  headers: Record<string, string>;
  signal: AbortSignal;
  maxBytes: number;
};

/** A `lookup` that answers with the checked address whatever the name (no second DNS query). */
function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all === true) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as unknown as LookupFunction;
}

function decoded(stream: Readable, encoding: string | undefined): Readable {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return stream.pipe(createGunzip());
    case 'deflate':
      return stream.pipe(createInflate());
    case 'br':
      return stream.pipe(createBrotliDecompress());
    default:
      return stream;
  }
}

/**
 * One GET, no redirects followed (the caller checks each hop), connected to `address`
 * (TLS still verifies the certificate for the URL's host name). The body is decompressed
 * and read up to `maxBytes`.
 */
export function pinnedGet(url: URL, options: PinnedGetOptions): Promise<PinnedResponse> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: { 'accept-encoding': 'gzip, deflate, br', ...options.headers },
      lookup: pinnedLookup(options.address),
      signal: options.signal,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const body = decoded(res, res.headers['content-encoding']);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated });
      body.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = options.maxBytes - size;
        chunks.push(chunk.subarray(0, room));
        size += Math.min(chunk.length, room);
        if (chunk.length > room) {
          truncated = true;
          res.destroy();
          done();
        }
      });
      body.on('end', done);
      body.on('error', (err) => (truncated ? undefined : reject(err)));
      res.on('error', (err) => (truncated ? undefined : reject(err)));
    });
    req.end();
  });
}
