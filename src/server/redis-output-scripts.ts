/**
 * The Lua scripts of the output store in Redis, each run atomically by Redis, so that every
 * server on one Redis numbers a task's lines the same. Keys, per task: the lines stream (one
 * entry per complete line, its id `0-N` its number, fields `t` text, `m` time in ms, `s` step id
 * when there is one), and the meta hash (`n`: complete lines so far, `o`/`om`/`os`: the open
 * line's text, time and step, `end`: 1 once the task ended). The line rules are those of
 * output-store.ts, with `maxLineLength` counted in UTF-8 bytes (a cut never splits a character).
 */

/** Reads the meta hash; `n` from the stream's last id when the hash is gone but the stream is not. */
const STATE = `
local lines, meta = KEYS[1], KEYS[2]
local m = redis.call('HMGET', meta, 'n', 'o', 'om', 'os', 'end')
local n = tonumber(m[1])
if not n then
  n = 0
  local last = redis.call('XREVRANGE', lines, '+', '-', 'COUNT', 1)
  if #last > 0 then n = tonumber(string.match(last[1][1], '%-(%d+)$')) end
end
local open = m[2] or ''
`;

/** Appends a complete line (number n + 1) with the open line's time and step. */
const ADD = `
local function add(text, maxLines, time, step)
  n = n + 1
  if step == '' then
    redis.call('XADD', lines, 'MAXLEN', '~', maxLines, '0-' .. n, 't', text, 'm', time)
  else
    redis.call('XADD', lines, 'MAXLEN', '~', maxLines, '0-' .. n, 't', text, 'm', time, 's', step)
  end
end
`;

/**
 * KEYS: lines, meta. ARGV: chunk, time (ms), step id ('' none), maxLines, maxLineLength (bytes),
 * ttl while running (s), ttl once ended (s). Returns {first line touched, 1 when it continues an
 * open line else 0, where in that line it begins (UTF-16 code units of the open line's text)}.
 */
export const APPEND_OUTPUT = `${STATE}${ADD}
local chunk, maxLines, maxBytes = ARGV[1], ARGV[4], tonumber(ARGV[5])
local first = n + 1
local continues = 0
local col = 0
local time, step = ARGV[2], ARGV[3]
if open ~= '' then
  continues = 1
  time, step = m[3] or ARGV[2], m[4] or ''
  -- UTF-16 units of the UTF-8 text: a unit per character, two for one of four bytes.
  local _, following = string.gsub(open, '[\\128-\\191]', '')
  local _, astral = string.gsub(open, '[\\240-\\247]', '')
  col = #open - following + astral
end
local function cut()
  while true do
    local body = #open
    if body > 0 and string.byte(open, body) == 13 then body = body - 1 end
    if body <= maxBytes then return end
    local at = maxBytes
    while at > 1 do
      local b = string.byte(open, at + 1)
      if b < 128 or b >= 192 then break end
      at = at - 1
    end
    add(string.sub(open, 1, at), maxLines, time, step)
    time, step = ARGV[2], ARGV[3]
    open = string.sub(open, at + 1)
  end
end
local pos = 1
while true do
  local nl = string.find(chunk, '\\n', pos, true)
  if not nl then
    open = open .. string.sub(chunk, pos)
    cut()
    break
  end
  open = open .. string.sub(chunk, pos, nl - 1)
  cut()
  if string.byte(open, #open) == 13 then open = string.sub(open, 1, #open - 1) end
  add(open, maxLines, time, step)
  time, step = ARGV[2], ARGV[3]
  open = ''
  pos = nl + 1
end
if open == '' then
  redis.call('HDEL', meta, 'o', 'om', 'os')
  redis.call('HSET', meta, 'n', n)
else
  redis.call('HSET', meta, 'n', n, 'o', open, 'om', time, 'os', step)
end
local ttl = m[5] and ARGV[7] or ARGV[6]
redis.call('EXPIRE', meta, ttl)
if n > 0 then redis.call('EXPIRE', lines, ttl) end
return {first, continues, col}
`;

/**
 * The task ended: its open line becomes complete, and its log expires after the ttl. Nothing
 * when it has no log. KEYS: lines, meta. ARGV: maxLines, ttl once ended (s). Returns 1 when it
 * had a log.
 */
export const END_OUTPUT = `${STATE}${ADD}
if not m[1] and n == 0 then return 0 end
if open ~= '' then
  add(open, ARGV[1], m[3] or '0', m[4] or '')
  redis.call('HDEL', meta, 'o', 'om', 'os')
end
redis.call('HSET', meta, 'n', n, 'end', 1)
redis.call('EXPIRE', meta, ARGV[2])
if n > 0 then redis.call('EXPIRE', lines, ARGV[2]) end
return 1
`;

/**
 * A range of lines, read at one point of the log's history. KEYS: lines, meta. ARGV: from (0:
 * the last `limit` lines; negative: counted from the end, -1 the last line; positive: that line),
 * limit. Returns false when there is no log; else {n, open text or false when the range does not
 * reach it, open time, open step, ended (0/1), first kept, total, entries}.
 */
export const READ_OUTPUT = `${STATE}
if not m[1] and n == 0 then return false end
local head = redis.call('XRANGE', lines, '-', '+', 'COUNT', 1)
local firstKept = n + 1
if #head > 0 then firstKept = tonumber(string.match(head[1][1], '%-(%d+)$')) end
local total = n
if open ~= '' then total = n + 1 end
local from, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = from
if from == 0 then start = total - limit + 1 elseif from < 0 then start = total + 1 + from end
if start < firstKept then start = firstKept end
if start < 1 then start = 1 end
local last = start + limit - 1
if last > total then last = total end
local entries = {}
if start <= n and last >= start then
  local upto = last
  if upto > n then upto = n end
  entries = redis.call('XRANGE', lines, '0-' .. start, '0-' .. upto)
end
local o = false
if open ~= '' and last >= total and last >= start then o = open end
return {n, o, m[3] or '0', m[4] or '', m[5] and 1 or 0, firstKept, total, entries}
`;
