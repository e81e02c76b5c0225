/**
 * The Lua scripts of the session mailbox (session-mailbox.ts), each one atomic. KEYS, in
 * this order for every script: 1 mbox (sorted set of waiting ids by seq), 2 msgs (id →
 * message JSON), 3 owner (`token|jobId` of the lease holder, or `parked-<token>|jobId`
 * while the holder's job waits out a model outage), 4 done (ids by commit time), 5 tries
 * (id → turn starts), 6 inj (joined id → id of the turn it joined), 7 outage (hash: since,
 * failures, noticed), 8 wait (the id of the parked turn), 9 parked (id → times it was set
 * aside for `nanobot retry`).
 */

export const mailboxKeyNames = ['mbox', 'msgs', 'owner', 'done', 'tries', 'inj', 'outage', 'wait', 'parked'] as const;

/** The marker of a lease whose holder's job waits in the queue's delayed set. */
export const parkedPrefix = 'parked-';

export const acceptScript = `
if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3])
return 1`;

export const acquireScript = `
local current = redis.call('GET', KEYS[3])
local mine = ARGV[1] .. '|' .. ARGV[2]
if current then
  local sep = string.find(current, '|', 1, true)
  if string.sub(current, sep + 1) ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[3], mine, 'PX', ARGV[3])
redis.call('DEL', KEYS[8])
return 1`;

const ownsCheck = `
local current = redis.call('GET', KEYS[3])
if not current or string.sub(current, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. '|' then return -1 end`;

/** Collects `id` and the ids that joined its turn into the table `ids`. */
const withJoined = `
local ids = { id }
local inj = redis.call('HGETALL', KEYS[6])
for i = 1, #inj, 2 do
  if inj[i + 1] == id then table.insert(ids, inj[i]) end
end`;

export const renewScript = `${ownsCheck}
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1`;

/** ARGV: token, end-outage flag ('1' after a turn the model answered), now, done TTL, ids... */
export const commitScript = `${ownsCheck}
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[4]))
if ARGV[2] == '1' then redis.call('DEL', KEYS[7]) end
for i = 5, #ARGV do
  local id = ARGV[i]
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('HDEL', KEYS[6], id)
  redis.call('HDEL', KEYS[9], id)
end
-- The done set outlives its newest id by the dedupe window, then goes with a silent session.
redis.call('PEXPIRE', KEYS[4], ARGV[4])
return 1`;

export const releaseScript = `${ownsCheck}
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('DEL', KEYS[3])
return 1`;

/**
 * A failed model call of the session's turn: the session's outage starts (once) and counts
 * one more failure; forgotten `ARGV[3]` ms after the last one. Returns since, failures, noticed.
 */
export const noteFailureScript = `${ownsCheck}
redis.call('HSETNX', KEYS[7], 'since', ARGV[2])
local failures = redis.call('HINCRBY', KEYS[7], 'failures', 1)
redis.call('PEXPIRE', KEYS[7], ARGV[3])
local noticed = redis.call('HGET', KEYS[7], 'noticed') or '0'
return { tonumber(redis.call('HGET', KEYS[7], 'since')), failures, tonumber(noticed) }`;

export const markNoticedScript = `${ownsCheck}
redis.call('HSET', KEYS[7], 'noticed', '1')
return 1`;

/**
 * The holder puts its turn back until the model may answer: the lease stays with the
 * holder's job id (so later jobs of the session wait behind it and the job takes it back
 * when it comes out of the delayed set) but no process holds it, for ARGV[3] ms. The start
 * that ended here is not a crash, so it does not count towards the crash-loop guard.
 */
export const parkScript = `${ownsCheck}
local sep = string.find(current, '|', 1, true)
redis.call('SET', KEYS[3], '${parkedPrefix}' .. ARGV[1] .. string.sub(current, sep), 'PX', ARGV[3])
redis.call('SET', KEYS[8], ARGV[2], 'PX', ARGV[3])
if redis.call('HINCRBY', KEYS[5], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[5], ARGV[2]) end
return 1`;

/**
 * `/stop` while the session's turn waits out an outage: the waiting turn (and what joined
 * it) is done, unanswered, as a cancelled running turn is. Returns the job id holding the
 * parked lease, to wake it, or false when no turn of the session is waiting.
 */
export const stopWaitingScript = `
local current = redis.call('GET', KEYS[3])
if not current or string.sub(current, 1, ${parkedPrefix.length}) ~= '${parkedPrefix}' then return false end
local id = redis.call('GET', KEYS[8])
if not id or not redis.call('ZSCORE', KEYS[1], id) then return false end
${withJoined}
for _, one in ipairs(ids) do
  redis.call('ZADD', KEYS[4], ARGV[1], one)
  redis.call('ZREM', KEYS[1], one)
  redis.call('HDEL', KEYS[2], one)
  redis.call('HDEL', KEYS[5], one)
  redis.call('HDEL', KEYS[6], one)
  redis.call('HDEL', KEYS[9], one)
end
redis.call('DEL', KEYS[8])
local sep = string.find(current, '|', 1, true)
return string.sub(current, sep + 1)`;

/**
 * A turn that outlived the retry window leaves the session's order without being done, so
 * `nanobot retry` of its parked job puts it back (accept is a no-op only for done ids).
 * Messages that joined it leave the order too but keep their text and their link to it, so
 * the retried turn includes them again.
 */
export const setAsideScript = `${ownsCheck}
local id = ARGV[2]
${withJoined}
for _, one in ipairs(ids) do redis.call('ZREM', KEYS[1], one) end
redis.call('HDEL', KEYS[2], id)
redis.call('HDEL', KEYS[5], id)
redis.call('HINCRBY', KEYS[9], id, 1)
return 1`;
