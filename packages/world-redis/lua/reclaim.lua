--[[
Reclaims messages whose lease expired (their consumer died or stalled): they become due now,
with their attempt count kept, so the next delivery counts as a new attempt.

KEYS[1] <Q>pending
ARGV[1] most messages to reclaim

Replies the number reclaimed.
]]

--- @include "includes/time.lua"
--- @include "includes/queue.lua"

local Q = queue_scope(KEYS[1])
local now = server_now_ms()
local expired = redis.call('ZRANGE', Q .. 'inflight', '-inf', now, 'BYSCORE', 'LIMIT', 0,
  tonumber(ARGV[1]))
for _, id in ipairs(expired) do
  redis.call('ZREM', Q .. 'inflight', id)
  redis.call('HDEL', Q .. 'msg:' .. id, 'lease')
  redis.call('ZADD', KEYS[1], now, id)
end
if #expired > 0 then
  wake_consumers(Q, math.min(#expired, 8))
end
return #expired
