import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { isCidr } from '@nanobot/config';
import { AppError } from '@nanobot/core';

/** Addresses no fetch may reach unless whitelisted: this host, private networks, link-local and cloud metadata, CGNAT, reserved. */
const blockedV4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/3'];
const blockedV6 = ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8', '100::/64'];

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolve = (host: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** The 8 groups of an IPv6 address (with an IPv4 tail turned into two groups). */
function toGroups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const [a = 0, b = 0, c = 0, d = 0] = (v4[1] ?? '').split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = '', right] = text.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const fill = right === undefined ? [] : new Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...fill, ...tail].map((g) => parseInt(g, 16));
}

/**
 * IPv4 carried in IPv6 (`::ffff:127.0.0.1`, also written `::ffff:7f00:1`, and the old
 * `::127.0.0.1` form) is judged as the IPv4 address it reaches.
 */
export function toCanonicalAddress(address: string): ResolvedAddress {
  if (isIP(address) === 4) return { address, family: 4 };
  const g = toGroups(address);
  const zeroPrefix = g.slice(0, 5).every((x) => x === 0);
  const mapped = zeroPrefix && g[5] === 0xffff;
  const compatible = zeroPrefix && g[5] === 0 && ((g[6] ?? 0) !== 0 || (g[7] ?? 0) > 1);
  if (mapped || compatible) {
    const [hi = 0, lo = 0] = [g[6], g[7]];
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 4 };
  }
  return { address, family: 6 };
}

function toBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.trim().split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix), family);
  }
  return list;
}

export type SsrfGuard = {
  isBlocked(address: string): boolean;
  /**
   * Resolves the URL's host and returns the address to connect to; throws AppError
   * TOOL_FAILED when the URL is not http(s) or any address it resolves to is blocked.
   */
  check(url: URL): Promise<ResolvedAddress>;
};

/**
 * The SSRF rule of web_fetch (nanobot's, plus the reserved ranges): every address a host
 * resolves to must be public, unless it lies in `tools.ssrfWhitelist`. The caller connects to
 * the address returned, not to a second lookup, so a DNS answer that changes in between
 * (rebinding) cannot move the connection somewhere else.
 */
export function createSsrfGuard(options: { whitelist: readonly string[]; resolve?: Resolve }): SsrfGuard {
  const blocked = toBlockList([...blockedV4, ...blockedV6]);
  const allowed = toBlockList(options.whitelist.filter(isCidr));
  const resolve = options.resolve ?? systemResolve;
  const isBlocked = (address: string): boolean => {
    const canonical = toCanonicalAddress(address);
    const family = canonical.family === 6 ? 'ipv6' : 'ipv4';
    if (allowed.check(canonical.address, family)) return false;
    return blocked.check(canonical.address, family);
  };
  const refuse = (why: string) => new AppError('TOOL_FAILED', why, { details: { tool: 'ssrf-guard' } });
  return {
    isBlocked,
    async check(url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(`only http and https URLs are allowed, not ${url.protocol.replace(':', '')}`);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (host === '') throw refuse('the URL has no host');
      let addresses: ResolvedAddress[];
      try {
        addresses = isIP(host) === 0 ? await resolve(host) : [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
      } catch (cause) {
        throw new AppError('TOOL_FAILED', `cannot resolve ${host}`, { cause, details: { tool: 'ssrf-guard' } });
      }
      if (addresses.length === 0) throw refuse(`cannot resolve ${host}`);
      const bad = addresses.find((a) => isBlocked(a.address));
      if (bad !== undefined) throw refuse(`${host} is a private or internal address (${bad.address}); add it to tools.ssrfWhitelist to allow it`);
      return addresses[0] as ResolvedAddress;
    },
  };
}

/** Refusal text for a command that names an http(s) URL of a blocked address (exec's check), else undefined. */
export async function checkCommandUrls(guard: SsrfGuard, command: string): Promise<string | undefined> {
  for (const match of command.matchAll(/https?:\/\/[^\s"'`;|<>()]+/gi)) {
    let url: URL;
    try {
      url = new URL(match[0]);
    } catch {
      continue;
    }
    try {
      await guard.check(url);
    } catch (err) {
      // A host that does not resolve is reached by nothing: the command may fail on its own.
      if (err instanceof AppError && err.message.startsWith('cannot resolve')) continue;
      return `Error: Command blocked by safety guard (internal/private URL: ${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return undefined;
}
