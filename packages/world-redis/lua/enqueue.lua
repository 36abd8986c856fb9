--[[
Enqueues one message durably, or returns the live message holding its idempotency key.

KEYS[1] <Q>pending
ARGV[1] message id  [2] queue name  [3] payload (CBOR)  [4] idempotency key or ''
ARGV[5] delay (ms)  [6] headers (JSON) or ''  [7] run id of a workflow message or ''

Replies {'created', id} or {'duplicate', existing id}.
]]

--- @include "includes/time.lua"
--- @include "includes/queue.lua"

local Q = queue_scope(KEYS[1])
local id = ARGV[1]
local idempotency_key = ARGV[4]
local delay = tonumber(ARGV[5])

if idempotency_key ~= '' then
  local existing = redis.call('HGET', Q .. 'idempotency', idempotency_key)
  if existing and redis.call('EXISTS', Q .. 'msg:' .. existing) == 1 then
    return { 'duplicate', existing }
  end
  redis.call('HSET', Q .. 'idempotency', idempotency_key, id)
end

redis.call('HSET', Q .. 'msg:' .. id, 'queue', ARGV[2], 'payload', ARGV[3], 'attempt', '0',
  'idem', idempotency_key, 'headers', ARGV[6], 'run', ARGV[7])
if ARGV[7] ~= '' then
  -- Live workflow messages per run, so start()'s recovery leaves runs that have one alone.
  redis.call('HINCRBY', Q .. 'live-runs', ARGV[7], 1)
end
redis.call('ZADD', KEYS[1], server_now_ms() + delay, id)
if delay <= 0 then
  wake_consumers(Q, 1)
end
return { 'created', id }
