--[[
One page of an event index, with the records, in one round trip.

KEYS[1] the run's event-order: a sorted set of event ids, all at score 0, so lexicographic
        order is id order
KEYS[2] the run's events hash (event id -> record)
ARGV[1] cursor: the event id the page starts strictly after, or ''
ARGV[2] 'asc' or 'desc'
ARGV[3] page size

Replies {'BADCURSOR'} when the cursor is not an event of the run, else
{hasMore ('1' or '0'), id_1, record_1, id_2, record_2, ...}.
]]

local cursor = ARGV[1]
local limit = tonumber(ARGV[3])
if cursor ~= '' and redis.call('HEXISTS', KEYS[2], cursor) == 0 then
  return { 'BADCURSOR' }
end

local ids
if ARGV[2] == 'asc' then
  ids = redis.call('ZRANGE', KEYS[1], cursor == '' and '-' or '(' .. cursor, '+', 'BYLEX',
    'LIMIT', 0, limit + 1)
else
  ids = redis.call('ZRANGE', KEYS[1], cursor == '' and '+' or '(' .. cursor, '-', 'BYLEX', 'REV',
    'LIMIT', 0, limit + 1)
end

local has_more = #ids > limit
local reply = { has_more and '1' or '0' }
if #ids == 0 then
  return reply
end
local count = math.min(#ids, limit)
local page = {}
for i = 1, count do
  page[i] = ids[i]
end
local records = redis.call('HMGET', KEYS[2], unpack(page))
for i = 1, count do
  reply[#reply + 1] = page[i]
  reply[#reply + 1] = records[i]
end
return reply
