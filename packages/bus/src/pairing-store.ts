import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keyPrefix } from './queue-names.js';

/** nanobot's pairing: codes like `ABCD-EFGH` from A–Z and 0–9, valid 10 minutes. */
export const pairingCodeTtlS = 600;
/** A denied sender gets no new code for a day. */
export const pairingDenyTtlS = 86_400;
/** More strangers than this waiting at once get no code (a flood of new senders is not answered). */
export const pairingMaxPending = 50;
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function newPairingCode(): string {
  const raw = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

/** Codes are compared upper-case, with or without the dash. */
export function normalizePairingCode(code: string): string {
  const raw = code.trim().toUpperCase().replace(/-/g, '');
  return raw.length === 8 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : code.trim().toUpperCase();
}

export type PendingPairing = {
  code: string;
  channel: string;
  /** The sender as nanobot records it (`id|username` on Telegram). */
  sender: string;
  chatId: string;
  createdAt: number;
  expiresAt: number;
  /** The inbound id of the message that got the code: a redelivery of it sends the same reply. */
  sourceId: string;
};

export type PairingOffer =
  | { kind: 'approved' }
  | { kind: 'issued'; code: string; expiresAt: number }
  | { kind: 'pending'; code: string }
  | { kind: 'denied' }
  | { kind: 'full' };

const keys = {
  approved: (channel: string) => `${keyPrefix}pairing:approved:${channel}`,
  code: (code: string) => `${keyPrefix}pairing:code:${code}`,
  sender: (channel: string, id: string) => `${keyPrefix}pairing:sender:${channel}:${id}`,
  codes: () => `${keyPrefix}pairing:codes`,
  channels: () => `${keyPrefix}pairing:channels`,
};

/** Is `id` (the part before `|`) among the approved senders? */
const approvedLua = `
local function approved(key, id)
  for _, member in ipairs(redis.call('SMEMBERS', key)) do
    if string.match(member, '^[^|]*') == id then return true end
  end
  return false
end`;

/**
 * KEYS: approved, sender, codes, code(new). ARGV: id, code, json, ttlMs, now, sourceId, maxPending.
 * One code per sender while it is valid; the same message again gets the same answer.
 */
// Scripts that name keys themselves are built when used: the prefix follows the keyspace.
const offerLua = () => `${approvedLua}
if approved(KEYS[1], ARGV[1]) then return {'approved'} end
local marker = redis.call('GET', KEYS[2])
if marker == 'denied' then return {'denied'} end
if marker then
  local info = redis.call('GET', '${keys.code('')}' .. marker)
  if info and cjson.decode(info).sourceId == ARGV[6] then return {'issued', marker, tostring(cjson.decode(info).expiresAt)} end
  return {'pending', marker}
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[7]) then return {'full'} end
if redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4], 'NX') == false then return {'retry'} end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('ZADD', KEYS[3], tonumber(ARGV[5]) + tonumber(ARGV[4]), ARGV[2])
return {'issued', ARGV[2], tostring(tonumber(ARGV[5]) + tonumber(ARGV[4]))}`;

/** KEYS: code, codes, channels. ARGV: code, decision ('approve'|'deny'), denyTtlMs. Returns the pending record or nil. */
const decideLua = () => `
local info = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not info then return false end
local p = cjson.decode(info)
local id = string.match(p.sender, '^[^|]*')
redis.call('DEL', KEYS[1])
local senderKey = '${keyPrefix}pairing:sender:' .. p.channel .. ':' .. id
if ARGV[2] == 'approve' then
  redis.call('SADD', '${keyPrefix}pairing:approved:' .. p.channel, p.sender)
  redis.call('SADD', KEYS[3], p.channel)
  redis.call('DEL', senderKey)
else
  redis.call('SET', senderKey, 'denied', 'PX', ARGV[3])
end
return info`;

/** KEYS: approved. ARGV: id. Removes every entry whose id part is `id`; returns how many. */
const revokeLua = `
local removed = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.match(member, '^[^|]*') == ARGV[1] or member == ARGV[1] then
    removed = removed + redis.call('SREM', KEYS[1], member)
  end
end
return removed`;

const idOf = (sender: string) => sender.split('|')[0] ?? sender;

export type PairingStore = ReturnType<typeof createPairingStore>;

/**
 * DM pairing in Redis, next to `allowFrom`: a stranger gets one code, the owner approves or
 * denies it (`nanobot pairing`), and every channel worker sees an approval at its next message.
 */
export function createPairingStore(redis: Redis, options: { now?: () => number; codeTtlS?: number } = {}) {
  const now = options.now ?? Date.now;
  const ttlMs = (options.codeTtlS ?? pairingCodeTtlS) * 1000;

  async function offer(request: { channel: string; sender: string; chatId: string; sourceId: string }): Promise<PairingOffer> {
    const id = idOf(request.sender);
    // A clash with a live code of someone else (1 in 36^8) just draws again.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const code = newPairingCode();
      const at = now();
      const pending: PendingPairing = { code, channel: request.channel, sender: request.sender, chatId: request.chatId, createdAt: at, expiresAt: at + ttlMs, sourceId: request.sourceId };
      const answer = (await redis.eval(
        offerLua(),
        4,
        keys.approved(request.channel),
        keys.sender(request.channel, id),
        keys.codes(),
        keys.code(code),
        id,
        code,
        JSON.stringify(pending),
        String(ttlMs),
        String(at),
        request.sourceId,
        String(pairingMaxPending),
      )) as string[];
      const [kind, value, expiresAt] = answer;
      if (kind === 'retry') continue;
      if (kind === 'issued' && value !== undefined) return { kind, code: value, expiresAt: Number(expiresAt) };
      if (kind === 'pending' && value !== undefined) return { kind, code: value };
      if (kind === 'approved' || kind === 'denied' || kind === 'full') return { kind };
    }
    return { kind: 'full' };
  }

  async function decide(code: string, decision: 'approve' | 'deny'): Promise<PendingPairing | null> {
    const normal = normalizePairingCode(code);
    const info = (await redis.eval(decideLua(), 3, keys.code(normal), keys.codes(), keys.channels(), normal, decision, String(pairingDenyTtlS * 1000))) as string | null;
    return info === null ? null : (JSON.parse(info) as PendingPairing);
  }

  return {
    offer,
    /** Adds the code's sender to its channel's approved senders; null when the code is unknown or expired. */
    approve: (code: string) => decide(code, 'approve'),
    /** Drops the code; its sender gets no new one for a day. Null when unknown or expired. */
    deny: (code: string) => decide(code, 'deny'),
    async isApproved(channel: string, id: string): Promise<boolean> {
      return (await redis.eval(`${approvedLua}\nreturn approved(KEYS[1], ARGV[1]) and 1 or 0`, 1, keys.approved(channel), id)) === 1;
    },
    /** Waiting codes, oldest first. */
    async pending(): Promise<PendingPairing[]> {
      await redis.zremrangebyscore(keys.codes(), '-inf', now());
      const codes = await redis.zrange(keys.codes(), 0, -1);
      if (codes.length === 0) return [];
      const values = await redis.mget(...codes.map(keys.code));
      return values.flatMap((v) => (v === null ? [] : [JSON.parse(v) as PendingPairing])).sort((a, b) => a.createdAt - b.createdAt);
    },
    /** Approved senders per channel, as nanobot's pairing.json lists them. */
    async approved(): Promise<Record<string, string[]>> {
      const channels = await redis.smembers(keys.channels());
      const entries = await Promise.all(channels.map(async (c) => [c, (await redis.smembers(keys.approved(c))).sort()] as const));
      return Object.fromEntries(entries.filter(([, senders]) => senders.length > 0));
    },
    /** Adds senders approved elsewhere (nanobot's pairing.json) without removing any. */
    async addApproved(channel: string, senders: string[]): Promise<void> {
      if (senders.length === 0) return;
      await redis.multi().sadd(keys.approved(channel), ...senders).sadd(keys.channels(), channel).exec();
    },
    async revoke(channel: string, sender: string): Promise<number> {
      return (await redis.eval(revokeLua, 1, keys.approved(channel), idOf(sender))) as number;
    },
  };
}
