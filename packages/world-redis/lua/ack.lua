--[[
Acknowledges a delivered message: it is deleted and its idempotency key released. A consumer
whose lease was lost (expired and reclaimed) changes nothing.

KEYS[1] <Q>pending
ARGV[1] message id  [2] lease token

Replies 1 when acknowledged, 0 when the lease was lost.
]]

--- @include "includes/queue.lua"

local Q = queue_scope(KEYS[1])
local id = ARGV[1]
local message_key = Q .. 'msg:' .. id
local fields = redis.call('HMGET', message_key, 'lease', 'idem', 'run')
if fields[1] ~= ARGV[2] then
  return 0
end
redis.call('ZREM', Q .. 'inflight', id)
if fields[2] and fields[2] ~= '' and redis.call('HGET', Q .. 'idempotency', fields[2]) == id then
  redis.call('HDEL', Q .. 'idempotency', fields[2])
end
if fields[3] and fields[3] ~= '' and redis.call('HINCRBY', Q .. 'live-runs', fields[3], -1) <= 0 then
  redis.call('HDEL', Q .. 'live-runs', fields[3])
end
redis.call('DEL', message_key)
return 1
