--[[
Extends the leases a live consumer still holds.

KEYS[1] <Q>pending
ARGV[1] lease length (ms), then pairs of message id and lease token

Replies the ids whose lease was lost (expired and reclaimed, or acknowledged elsewhere).
]]

--- @include "includes/time.lua"
--- @include "includes/queue.lua"

local Q = queue_scope(KEYS[1])
local deadline = ms_string(server_now_ms() + tonumber(ARGV[1]))
local lost = {}
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', Q .. 'msg:' .. id, 'lease') == ARGV[i + 1] then
    redis.call('ZADD', Q .. 'inflight', 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
