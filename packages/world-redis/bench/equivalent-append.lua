-- The redis-benchmark baseline for events.create: the same shape of work as lua/createEvent.lua
-- on its common path (step events), without the state machine's branches. Read the run's state,
-- allocate an id on the server clock, store the record, index it, update the entity and the
-- run, and reply with the entity.
local run = redis.call('HMGET', KEYS[1], 'status', 'spec', 'last', 'marker', 'started', 'seq')
local time = redis.call('TIME')
local seq = (tonumber(run[6]) or 0) + 1
local id = 'evnt_' .. string.format('%013d%013d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), seq)
redis.call('HSET', KEYS[1] .. ':events', id, ARGV[1])
redis.call('ZADD', KEYS[1] .. ':event-order', 0, id)
redis.call('HSET', KEYS[1] .. ':step', 'status', 'running', 'attempt', seq, 'input', ARGV[2],
  'updated', time[1])
redis.call('HSET', KEYS[1], 'last', id, 'seq', seq)
return redis.call('HGETALL', KEYS[1] .. ':step')
