--[[
prune: deletes one finished run with everything it owns, atomically, when it still qualifies: its
status is terminal, it finished before the cutoff, and no workflow message for it is live in the
queue (delivered after the delete, a run's first message would create the run again through the
resilient start; it is pruned by a later prune, once the message is acknowledged). Being one
script, it runs before or after any events.create of the run: a write that came first is deleted
with the run, a write that comes after finds no run and writes nothing.

KEYS[1] <run scope>run         the run hash; the run scope prefix is derived from it
KEYS[2] <global scope>runs     the index of all runs; the global scope prefix is derived from it
KEYS[3] <queue scope>pending   the queue's pending set; the queue scope prefix is derived from it

ARGV[1] runId  [2] cutoff (epoch ms): the run must have finished before it
ARGV[3] '1' to check only (a dry run)
ARGV[4] [5] the stream scope before and after a stream name

What goes: the run hash, its log (events, event-order), its steps, hooks (releasing the tokens of
any still active), hooks-ever, waits, its streams (chunks, meta) and their registry, and its
entries in the global indexes (runs, runs:<status>, finished, hooks, corr).

Replies 'deleted'; 'qualifies' (a dry run); 'kept' (not finished before the cutoff); 'busy' (a
live workflow message); 'gone' (no such run: a stale entry of the finished index, dropped unless
this is a dry run).
]]

--- @include "includes/queue.lua"

local run_key = KEYS[1]
local R = string.sub(run_key, 1, #run_key - 3)
local G = string.sub(KEYS[2], 1, #KEYS[2] - 4)
local Q = queue_scope(KEYS[3])

local run_id = ARGV[1]
local cutoff = tonumber(ARGV[2])
local dry_run = ARGV[3] == '1'
local stream_before, stream_after = ARGV[4], ARGV[5]

-- The terminal statuses of the rules table (TERMINAL_RUN_STATUSES of @worldkit/world).
local FINISHED = { completed = true, failed = true, cancelled = true }

local run = redis.call('HMGET', run_key, 'status', 'completed')
if not run[1] then
  if not dry_run then
    redis.call('ZREM', G .. 'finished', run_id)
  end
  return 'gone'
end
if not FINISHED[run[1]] or not run[2] or tonumber(run[2]) >= cutoff then
  return 'kept'
end
if redis.call('HEXISTS', Q .. 'live-runs', run_id) == 1 then
  return 'busy'
end
if dry_run then
  return 'qualifies'
end

-- ── the run's correlation ids ───────────────────────────────────────────────────────────────

-- The correlation id of a stored event record: a CBOR map whose keys come in the order
-- t (type, text), s (spec version, unsigned), c (correlation id, text), d (data). Reading stops
-- at the first key that is not one of the first three, so the data is never parsed.
local function record_correlation(record)
  local at = 1
  local function head()
    local byte = string.byte(record, at)
    if not byte then
      return nil
    end
    at = at + 1
    local major, info = math.floor(byte / 32), byte % 32
    if info < 24 then
      return major, info
    end
    local size = info == 24 and 1 or info == 25 and 2 or info == 26 and 4 or info == 27 and 8
    if not size then
      return nil
    end
    local value = 0
    for _ = 1, size do
      value = value * 256 + (string.byte(record, at) or 0)
      at = at + 1
    end
    return major, value
  end
  local major, entries = head()
  if major ~= 5 then
    return nil
  end
  for _ = 1, entries do
    local key_major, key_length = head()
    if key_major ~= 3 then
      return nil
    end
    local key = string.sub(record, at, at + key_length - 1)
    at = at + key_length
    local value_major, value = head()
    if key == 'c' and value_major == 3 then
      return string.sub(record, at, at + value - 1)
    elseif key == 't' and value_major == 3 then
      at = at + value
    elseif key ~= 's' or value_major ~= 0 then
      return nil
    end
  end
  return nil
end

-- Every id the run used for a step, hook or wait: from its log (waits and hook conflicts leave
-- no other trace once the run ended) and from its entity indexes.
local correlation_ids = {}
local function add_correlation(id)
  if id then
    correlation_ids[id] = true
  end
end
for _, record in ipairs(redis.call('HVALS', R .. 'events')) do
  add_correlation(record_correlation(record))
end
for _, index in ipairs({ 'steps', 'hooks' }) do
  for _, member in ipairs(redis.call('ZRANGE', R .. index, 0, -1)) do
    add_correlation(string.match(member, ' (.+)$'))
  end
end
for _, set in ipairs({ 'hooks-ever', 'waits' }) do
  for _, id in ipairs(redis.call('SMEMBERS', R .. set)) do
    add_correlation(id)
  end
end

-- ── delete ──────────────────────────────────────────────────────────────────────────────────

-- Drops the run from a correlation id's owners (almost always the only one).
local function unindex_correlation(correlation_id)
  local owners = redis.call('HGET', G .. 'corr', correlation_id)
  if not owners then
    return
  end
  local others = {}
  for owner in string.gmatch(owners, '%S+') do
    if owner ~= run_id then
      others[#others + 1] = owner
    end
  end
  if #others == 0 then
    redis.call('HDEL', G .. 'corr', correlation_id)
  else
    redis.call('HSET', G .. 'corr', correlation_id, table.concat(others, ' '))
  end
end

-- A hook still active (a finished run has none unless written otherwise): its token and its
-- entry in the global hooks index.
local function release_hook(hook_id)
  local hook = redis.call('HMGET', R .. 'hook:' .. hook_id, 'tk', 'ev')
  if not hook[1] then
    return
  end
  local token_key = G .. 'token:' .. hook[1]
  if redis.call('GET', token_key) == run_id .. ' ' .. hook_id then
    redis.call('DEL', token_key)
  end
  redis.call('ZREM', G .. 'hooks', hook[2] .. ' ' .. run_id .. ' ' .. hook_id)
end

for id in pairs(correlation_ids) do
  release_hook(id)
  redis.call('DEL', R .. 'step:' .. id, R .. 'hook:' .. id, R .. 'wait:' .. id)
  unindex_correlation(id)
end

for _, name in ipairs(redis.call('SMEMBERS', R .. 'streams')) do
  local S = stream_before .. name .. stream_after
  redis.call('DEL', S .. 'chunks', S .. 'meta')
end

redis.call('DEL', run_key, R .. 'events', R .. 'event-order', R .. 'steps', R .. 'hooks',
  R .. 'hooks-ever', R .. 'waits', R .. 'streams')
redis.call('ZREM', G .. 'runs', run_id)
redis.call('ZREM', G .. 'runs:' .. run[1], run_id)
redis.call('ZREM', G .. 'finished', run_id)
return 'deleted'
