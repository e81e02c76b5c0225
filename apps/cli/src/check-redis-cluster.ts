import type { Redis } from 'ioredis';
import { homeNodeOf } from '@nanobot/bus';
import { describeError } from '@nanobot/core';
import type { Check } from './doctor-command.js';

type Node = { host: string; port: number };

const nameOf = (redis: Redis): string => `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`;

/**
 * One check run on each primary, reported as one line: the first primary that fails (named), or
 * the shared answer. With a single Redis there is one primary, and the line is its own.
 */
export async function onEveryPrimary(primaries: Redis[], check: (redis: Redis) => Promise<Check>): Promise<Check> {
  const results = await Promise.all(primaries.map(async (node) => ({ node, check: await check(node) })));
  const first = results[0];
  if (first === undefined) return { name: 'redis', ok: false, detail: 'no primary known' };
  if (results.length === 1) return first.check;
  const failing = results.find((result) => !result.check.ok) ?? results.find((result) => result.check.warning === true);
  if (failing !== undefined) return { ...failing.check, detail: `${nameOf(failing.node)}: ${failing.check.detail}` };
  return { ...first.check, detail: `${first.check.detail} (on all ${results.length} primaries)` };
}

/**
 * Redis Cluster: every configured node answers and belongs to the cluster, the cluster is `ok`
 * with all 16384 slots assigned, and names the primary that holds nanobot's keys (slot of `{nb}`).
 */
export async function checkCluster(redis: Redis, configured: Node[]): Promise<Check> {
  try {
    const info = String(await redis.call('CLUSTER', 'INFO'));
    const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
    const state = field('cluster_state') ?? 'unknown';
    const assigned = Number(field('cluster_slots_assigned') ?? 0);
    const members = String(await redis.call('CLUSTER', 'NODES'))
      .split('\n')
      .map((line) => line.split(' ')[1]?.split('@')[0] ?? '')
      .filter((address) => address !== '');
    const primaries = Number(field('cluster_size') ?? 0);
    const home = nameOf(await homeNodeOf(redis));
    const detail = `${state}, ${primaries} primaries, ${assigned} of 16384 slots assigned, nanobot's keys on ${home}`;
    if (state !== 'ok' || assigned !== 16_384) return { name: 'cluster', ok: false, detail: `${detail}: the cluster refuses commands while not every slot is served` };
    const strangers = configured.filter((node) => !members.some((address) => sameNode(address, node)));
    if (strangers.length > 0) {
      return { name: 'cluster', ok: false, detail: `${detail}; redis.cluster names ${strangers.map((n) => `${n.host}:${n.port}`).join(', ')}, not a member of this cluster` };
    }
    return { name: 'cluster', ok: true, detail };
  } catch (err) {
    return { name: 'cluster', ok: false, detail: `CLUSTER INFO not answered: ${describeError(err)}` };
  }
}

function sameNode(address: string, node: Node): boolean {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  const loopback = (h: string) => h === 'localhost' || h.startsWith('127.') || h === '::1';
  return port === node.port && (host === node.host || (loopback(host) && loopback(node.host)));
}
