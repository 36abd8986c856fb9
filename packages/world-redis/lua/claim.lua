--[[
Claims up to N due messages: each leaves the pending set (a delayed message is promoted the moment
its due time passes, here, in the same step that leases it), gets attempt + 1 and a lease.

KEYS[1] <Q>pending
ARGV[1] most messages to claim  [2] lease length (ms)  [3] lease token of this claim

Replies {next due time (ms) or '', id, queue, payload, attempt, headers, ...}. When due messages
are left behind, another consumer is woken for them.
]]

--- @include "includes/time.lua"
--- @include "includes/queue.lua"

local Q = queue_scope(KEYS[1])
local now = server_now_ms()
local deadline = ms_string(now + tonumber(ARGV[2]))
local token = ARGV[3]

local reply = { '' }
local due = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local message_key = Q .. 'msg:' .. id
  local fields = redis.call('HMGET', message_key, 'queue', 'payload', 'headers')
  if fields[1] then
    local attempt = redis.call('HINCRBY', message_key, 'attempt', 1)
    redis.call('HSET', message_key, 'lease', token)
    redis.call('ZADD', Q .. 'inflight', deadline, id)
    reply[#reply + 1] = id
    reply[#reply + 1] = fields[1]
    reply[#reply + 1] = fields[2]
    reply[#reply + 1] = tostring(attempt)
    reply[#reply + 1] = fields[3]
  end
end

local next_due = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if next_due[2] then
  reply[1] = next_due[2]
  if tonumber(next_due[2]) <= now then
    wake_consumers(Q, 1)
  end
end
return reply
