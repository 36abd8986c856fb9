--[[
Appends chunks to a stream: one chunk, one entry, one index. Entry ids are 0-<index + 1>, so a
reader starts at any index with XRANGE and tails with XREAD from the last id it saw. Writes
after the stream was closed are ignored.

KEYS[1] <S>chunks  the Redis Stream; <S>meta (count, done) is derived from it
ARGV    the chunks, in order

Replies the number of data chunks after the append, or -1 when the stream is closed.
]]

local S = string.sub(KEYS[1], 1, #KEYS[1] - 6)
local meta = redis.call('HMGET', S .. 'meta', 'count', 'done')
if meta[2] == '1' then
  return -1
end
local count = tonumber(meta[1]) or 0
for i = 1, #ARGV do
  count = count + 1
  redis.call('XADD', KEYS[1], '0-' .. count, 'd', ARGV[i])
end
redis.call('HSET', S .. 'meta', 'count', count)
return count
