-- Queue scope: every queue key shares one prefix (and hash tag), derived from the pending set.
-- <Q>msg:<id>     hash: queue, payload, attempt, idem, headers, lease, run
-- <Q>pending      sorted set: message id by due time (ms); delayed messages are simply due later
-- <Q>inflight     sorted set: message id by lease deadline (ms)
-- <Q>idempotency  hash: idempotency key -> message id, for the message's whole life
-- <Q>wake         list: wake-up tokens that idle consumers block on
-- <Q>live-runs    hash: run id -> number of live workflow messages for it

local function queue_scope(pending_key)
  return string.sub(pending_key, 1, #pending_key - 7)
end

local function wake_consumers(Q, count)
  for _ = 1, count do
    redis.call('RPUSH', Q .. 'wake', '1')
  end
  redis.call('LTRIM', Q .. 'wake', -64, -1)
end
