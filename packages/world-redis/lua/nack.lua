--[[
Returns a delivered message to the pending set, due after a delay: a failed delivery keeps its
attempt count (the next delivery is attempt + 1); a redelivery the handler asked for
({timeoutSeconds}) resets it, so the next delivery is attempt 1. The idempotency key stays held.

KEYS[1] <Q>pending
ARGV[1] message id  [2] lease token  [3] delay (ms)  [4] '1' to reset the attempt count

Replies 1 when rescheduled, 0 when the lease was lost.
]]

--- @include "includes/time.lua"
--- @include "includes/queue.lua"

local Q = queue_scope(KEYS[1])
local id = ARGV[1]
local message_key = Q .. 'msg:' .. id
if redis.call('HGET', message_key, 'lease') ~= ARGV[2] then
  return 0
end
local delay = tonumber(ARGV[3])
redis.call('ZREM', Q .. 'inflight', id)
redis.call('HDEL', message_key, 'lease')
if ARGV[4] == '1' then
  redis.call('HSET', message_key, 'attempt', '0')
end
redis.call('ZADD', KEYS[1], server_now_ms() + delay, id)
if delay <= 0 then
  wake_consumers(Q, 1)
end
return 1
