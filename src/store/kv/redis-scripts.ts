// Lua scripts for the Redis store. Each runs atomically on the server (EVALSHA), so there is no
// read-modify-write race between gateway instances. Time comes from the server (TIME), so
// instances with skewed clocks agree. Numbers go out through string.format so Redis never sees
// Lua's %.14g rendering of a large number.

/** Server time in milliseconds, as a Lua expression. */
const NOW =
  "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/** KEYS[1] counter; ARGV[1] increment; ARGV[2] ttl ms applied when the key has none. */
export const INCR = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

/**
 * KEYS[1] string. Its value (false, i.e. nil, when absent), and the key removed: GETDEL, which
 * Redis only has from 6.2. A key of another type is a WRONGTYPE error from GET, and stays.
 */
export const GETDEL = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`;

/**
 * Sets are sorted sets scored by each member's expiry (ms, server time; +inf for none).
 * KEYS[1] set; ARGV[1] member; ARGV[2] member ttl ms (0 = none); ARGV[3] set ttl ms (0 = follow
 * the longest-lived member); ARGV[4] '1': extend only (a live member's expiry never moves earlier;
 * expired members are gone first; ZADD GT's effect, which Redis only has from 6.2). Returns 1 if
 * the member was not already live.
 */
export const SADD = `
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local memberTtl = tonumber(ARGV[2])
local score = '+inf'
if memberTtl > 0 then score = string.format('%d', now + memberTtl) end
local keep = false
if ARGV[4] == '1' then
  local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if cur and (cur == 'inf' or (score ~= '+inf' and tonumber(cur) >= tonumber(score))) then keep = true end
end
local added = 0
if not keep then added = redis.call('ZADD', KEYS[1], score, ARGV[1]) end
local keyTtl = tonumber(ARGV[3])
if keyTtl > 0 then
  redis.call('PEXPIRE', KEYS[1], keyTtl)
else
  local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if top[2] == 'inf' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], top[2]) end
end
return added`;

/** KEYS[1] set; ARGV[1] member. 1 if the member was live (and is now removed). */
export const SREM = `
${NOW}
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if s == 'inf' or tonumber(s) > now then return 1 end
return 0`;

/** KEYS[1] set; ARGV[1] member. */
export const SISMEMBER = `
${NOW}
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
if s == 'inf' or tonumber(s) > now then return 1 end
return 0`;

/** KEYS[1] set. Live members. */
export const SMEMBERS = `
${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf')`;

/**
 * Token bucket in a hash {t: tokens, ts: ms}; the same arithmetic as validate.ts refill().
 * KEYS[1] bucket; ARGV[1] capacity; ARGV[2] refill per second; ARGV[3] cost.
 * Returns {allowed 0|1, tokens (string), retryAfterMs, resetMs}. A full bucket is deleted.
 */
export const TAKE = `
${NOW}
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tokens = capacity
local st = redis.call('HMGET', KEYS[1], 't', 'ts')
if st[1] then
  tokens = tonumber(st[1])
  local ts = tonumber(st[2])
  if now > ts then tokens = tokens + ((now - ts) * rate) / 1000 end
end
tokens = math.min(capacity, tokens)
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
local perToken = 1000 / rate
local retry = 0
if allowed == 0 then retry = math.ceil((cost - tokens) * perToken) end
local reset = math.ceil((capacity - tokens) * perToken)
if reset > 0 then
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'ts', string.format('%d', now))
  redis.call('PEXPIRE', KEYS[1], string.format('%d', reset))
else
  redis.call('DEL', KEYS[1])
end
return { allowed, string.format('%.17g', tokens), retry, reset }`;
