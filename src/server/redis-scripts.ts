/**
 * The Lua scripts of the Redis log, each run atomically by Redis. Keys: the stream (entries
 * `0-N` with fields `p` project, `e` event text, `x` epoch), the meta hash (`epoch`, `start`: the
 * last number before the epoch's first entry, `statesAt`: the position the states hash is
 * complete at), the states hash (entity key -> state JSON) and the versions hash (entity key ->
 * the seq of the newest event in that state).
 */

/** The stream's last generated number (0 when it does not exist). */
const HEAD = `
local function head(stream)
  if redis.call('EXISTS', stream) == 0 then return 0 end
  local info = redis.call('XINFO', 'STREAM', stream)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return tonumber(string.match(info[i + 1], '%-(%d+)$')) end
  end
  return 0
end
`;

/** Creates the epoch when the meta hash is gone (a new store, or one that lost its data). */
const ENSURE_EPOCH = `
local function ensure(meta, stream, candidate)
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    local start = head(stream)
    redis.call('HSET', meta, 'epoch', candidate, 'start', start, 'statesAt', start)
    epoch = candidate
  end
  return epoch
end
local function describe(meta, stream)
  local m = redis.call('HMGET', meta, 'epoch', 'start', 'statesAt')
  return {m[1], tonumber(m[2]), tonumber(m[3] or m[2]), head(stream)}
end
`;

/**
 * KEYS: meta, stream. ARGV: a new epoch in case there is none.
 * Returns {epoch, start, statesAt, head}.
 */
export const CHECK = `${HEAD}${ENSURE_EPOCH}
ensure(KEYS[1], KEYS[2], ARGV[1])
return describe(KEYS[1], KEYS[2])
`;

/**
 * KEYS: meta, stream. ARGV: a new epoch in case there is none, retention, projectId, event text.
 * Returns {epoch, id}.
 */
export const APPEND = `${HEAD}${ENSURE_EPOCH}
local epoch = ensure(KEYS[1], KEYS[2], ARGV[1])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-*', 'p', ARGV[3], 'e', ARGV[4], 'x', epoch)
return {epoch, id}
`;

/**
 * The stream went back behind what a reader had read (a failover that lost the newest entries):
 * unless another reader did it already, start a new epoch after the highest number ever read, so
 * that no number is used twice. KEYS: meta, stream. ARGV: the epoch the reader holds, a new
 * epoch, the number it read up to. Returns {epoch, start, statesAt, head}.
 */
export const SWITCH = `${HEAD}${ENSURE_EPOCH}
local epoch = ensure(KEYS[1], KEYS[2], ARGV[2])
if epoch == ARGV[1] then
  local h = head(KEYS[2])
  local start = math.max(h, tonumber(ARGV[3]))
  if start > h then
    if redis.call('EXISTS', KEYS[2]) == 1 then
      redis.call('XSETID', KEYS[2], '0-' .. start)
    else
      redis.call('XADD', KEYS[2], '0-' .. start, 'x', ARGV[2])
      redis.call('XDEL', KEYS[2], '0-' .. start)
    end
  end
  redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'start', start)
end
return describe(KEYS[1], KEYS[2])
`;

/**
 * Writes states that are newer than the stored ones, then (when `position` is above it) moves
 * `statesAt`. KEYS: meta, states, versions. ARGV: epoch, position (0: leave statesAt), n, then n
 * triples key, version, JSON. Returns 0 when the epoch is not the current one.
 */
export const CHECKPOINT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  local key, version = ARGV[4 + i * 3], tonumber(ARGV[5 + i * 3])
  local stored = tonumber(redis.call('HGET', KEYS[3], key) or '-1')
  if stored < version then
    redis.call('HSET', KEYS[2], key, ARGV[6 + i * 3])
    redis.call('HSET', KEYS[3], key, version)
  end
end
local position = tonumber(ARGV[2])
if position > tonumber(redis.call('HGET', KEYS[1], 'statesAt') or '0') then redis.call('HSET', KEYS[1], 'statesAt', position) end
return 1
`;

/**
 * Forgets states no reader holds any more, unless they changed after `position`. KEYS: states,
 * versions. ARGV: position, then the keys. Returns how many were removed.
 */
export const PRUNE = `
local removed = 0
local position = tonumber(ARGV[1])
for i = 2, #ARGV do
  local version = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '-1')
  if version <= position then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    removed = removed + 1
  end
end
return removed
`;
