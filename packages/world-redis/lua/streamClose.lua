--[[
Closes a stream: an EOF entry after the last chunk (it wakes tailing readers and is not a data
chunk) and the done flag. Idempotent.

KEYS[1] <S>chunks  the Redis Stream; <S>meta (count, done) is derived from it

Replies the number of data chunks.
]]

local S = string.sub(KEYS[1], 1, #KEYS[1] - 6)
local meta = redis.call('HMGET', S .. 'meta', 'count', 'done')
local count = tonumber(meta[1]) or 0
if meta[2] ~= '1' then
  redis.call('XADD', KEYS[1], '0-' .. (count + 1), 'eof', '1')
  redis.call('HSET', S .. 'meta', 'count', count, 'done', '1')
end
return count
