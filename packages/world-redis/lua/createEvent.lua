--[[
events.create: validate one event against the run's state, append it and update the entities it
touches, atomically. The checks run in the reference state machine's order: run existence (with
the resilient-start bootstrap), spec version, the two fences, then the event's own rules, which
are generated from the rules table of @worldkit/world into includes/rules.lua. This script loads
the facts those rules read and writes what an applied event changes. Every check runs before the
first write, so a refusal writes nothing.

KEYS[1]  <run scope>run      the run hash; the run scope prefix is derived from it
KEYS[2]  <global scope>runs  the index of all runs; the global scope prefix is derived from it

ARGV[1] runId  [2] eventType  [3] correlationId or ''  [4] event specVersion
ARGV[5] stateUpdatedAt or ''  [6] lastKnownEventId or ''  [7] 16 random ULID characters
ARGV[8] the event's stored record (CBOR, encoded by the client)
ARGV[9..] per event type, see the handlers.

Each event's writes are a branch of one if-chain (a function per event would be allocated again
on every call, as every function statement of a script is).

Replies {'ERR', code, message, detail} for a refusal, or
{'OK', 'applied'|'unchanged', n, the last event's time (ms) or '', eventId_1..eventId_n,
entityKind, entity hash fields...} where entityKind is run, step, hook, wait, conflict (followed by the holder's run id) or none.
]]

--- @include "includes/ulid.lua"
--- @include "includes/cbor.lua"
--- @include "includes/time.lua"
--- @include "includes/rules.lua"

local run_key = KEYS[1]
local R = string.sub(run_key, 1, #run_key - 3)
local G = string.sub(KEYS[2], 1, #KEYS[2] - 4)

local run_id = ARGV[1]
local event_type = ARGV[2]
local correlation_id = ARGV[3]
local spec_version = tonumber(ARGV[4])
local state_updated_at = ARGV[5] ~= '' and tonumber(ARGV[5]) or nil
local last_known_event_id = ARGV[6] ~= '' and ARGV[6] or nil
local random_part = ARGV[7]
local record = ARGV[8]

local SPEC_VERSION_CURRENT = 3
local now = server_now_ms()

local function reject(code, message, detail)
  return { 'ERR', code, message or '', detail or '' }
end

-- ── the run's state ─────────────────────────────────────────────────────────────────────────

local fields = redis.call('HMGET', run_key, 'status', 'spec', 'last', 'marker', 'started', 'seq',
  'order')
local run = nil
if fields[1] then
  run = {
    status = fields[1],
    spec = tonumber(fields[2]) or SPEC_VERSION_CURRENT,
    last = fields[3] or nil,
    marker = fields[4] and tonumber(fields[4]) or nil,
    started = fields[5] or nil,
    seq = tonumber(fields[6]) or 0,
    order = fields[7],
  }
end

local function check_fences(state)
  local marker = state and state.marker or nil
  if state_updated_at and marker and state_updated_at < marker then
    return reject('PRECONDITION_FAILED', 'run ' .. run_id .. ' received an external event at ' ..
      ms_string(marker) .. ", after the writer's snapshot at " .. ARGV[5])
  end
  local last = state and state.last or nil
  if last_known_event_id and last_known_event_id ~= last then
    return reject('FENCE_CONFLICT', '', last)
  end
  return nil
end

-- ── writes ──────────────────────────────────────────────────────────────────────────────────

local appended = {}
local last_appended_type = nil
local last_appended_at = nil

-- Appends one event record; returns its id and time (ms). A run of spec >= SLOT_IDS (the new
-- run's, for the events creating it) numbers its events by slot: the slot after its newest
-- event, taken here inside the script, so a refused write takes none. A slot id carries no time,
-- so such a record keeps its time, the server clock, as an entry of its own ('a').
local function append(type, stored_record)
  local previous = appended[#appended] or (run and run.last) or nil
  local id, ms
  if (run and run.spec or spec_version) >= RULE_SPEC_VERSION_SLOT_IDS then
    id, ms = next_slot_event_id(previous), now
    stored_record = cbor_map_with(stored_record, 'a', cbor_uint(ms))
  else
    id, ms = next_event_id(previous, now, random_part)
  end
  redis.call('HSET', R .. 'events', id, stored_record)
  redis.call('ZADD', R .. 'event-order', 0, id)
  appended[#appended + 1] = id
  last_appended_type = type
  last_appended_at = ms
  return id, ms
end

-- The run indexes are scored by creation order (a global counter), so runs.list pages newest
-- first even among runs created in one millisecond, and a score cursor stays valid forever.
local function set_run_status(from, to)
  if from then
    redis.call('ZREM', G .. 'runs:' .. from, run_id)
  end
  redis.call('ZADD', G .. 'runs:' .. to, run.order, run_id)
end

-- Correlation id -> the runs that used it (space-separated; almost always one), for lookups
-- without a run id.
local function index_correlation()
  local owners = redis.call('HGET', G .. 'corr', correlation_id)
  if not owners then
    redis.call('HSET', G .. 'corr', correlation_id, run_id)
  elseif not string.find(' ' .. owners .. ' ', ' ' .. run_id .. ' ', 1, true) then
    redis.call('HSET', G .. 'corr', correlation_id, owners .. ' ' .. run_id)
  end
end

-- The creation data comes as the client spelled it (see run_created below): context and
-- attributes are CBOR blobs, '' when absent. The attributes are one field, like the context:
-- no script reads them, and a field per attribute would share the hash with the run's own
-- fields (an attribute named 'status').
local function create_run(deployment_id, workflow_name, input, context, attributes, spec, at)
  local ms = ms_string(at)
  local status = rule_becomes('run_created')
  local order = tostring(redis.call('INCR', G .. 'run-order'))
  redis.call('HSET', run_key, 'status', status, 'spec', spec, 'dep', deployment_id,
    'wf', workflow_name, 'input', input, 'created', ms, 'updated', ms, 'order', order)
  if context ~= '' then
    redis.call('HSET', run_key, 'ctx', context)
  end
  if attributes ~= '' then
    redis.call('HSET', run_key, 'attrs', attributes)
  end
  run = { status = status, spec = spec, last = nil, marker = nil, started = nil, seq = 0,
    order = order }
  redis.call('ZADD', G .. 'runs', order, run_id)
  set_run_status(nil, status)
end

local function release_token(token_key, holder)
  if redis.call('GET', token_key) == holder then
    redis.call('DEL', token_key)
  end
end

local function delete_hook(hook_id)
  local hook_key = R .. 'hook:' .. hook_id
  local hook = redis.call('HMGET', hook_key, 'tk', 'ev')
  if hook[1] then
    release_token(G .. 'token:' .. hook[1], run_id .. ' ' .. hook_id)
    redis.call('ZREM', R .. 'hooks', hook[2] .. ' ' .. hook_id)
    redis.call('ZREM', G .. 'hooks', hook[2] .. ' ' .. run_id .. ' ' .. hook_id)
    redis.call('DEL', hook_key)
  end
end

-- A terminal run deletes all its hooks (releasing their tokens) and all its waits.
local function release_run_resources()
  for _, member in ipairs(redis.call('ZRANGE', R .. 'hooks', 0, -1)) do
    delete_hook(string.match(member, ' (.+)$'))
  end
  for _, wait_id in ipairs(redis.call('SMEMBERS', R .. 'waits')) do
    redis.call('DEL', R .. 'wait:' .. wait_id)
  end
  redis.call('DEL', R .. 'waits')
end

local function applied(kind, entity_key, extra)
  local last = appended[#appended]
  local seq = run.seq + #appended
  redis.call('HSET', run_key, 'last', last, 'seq', seq)
  if state_updated_at == nil and rule_external(last_appended_type) then
    redis.call('HSET', run_key, 'marker', ms_string(last_appended_at))
  end
  local reply = { 'OK', 'applied', tostring(#appended), ms_string(last_appended_at) }
  for _, id in ipairs(appended) do
    reply[#reply + 1] = id
  end
  reply[#reply + 1] = kind
  if extra then
    reply[#reply + 1] = extra
  elseif entity_key then
    for _, value in ipairs(redis.call('HGETALL', entity_key)) do
      reply[#reply + 1] = value
    end
  end
  return reply
end

local function unchanged_run()
  local reply = { 'OK', 'unchanged', '0', '', 'run' }
  for _, value in ipairs(redis.call('HGETALL', run_key)) do
    reply[#reply + 1] = value
  end
  return reply
end

-- ── the touched entity ──────────────────────────────────────────────────────────────────────

local step_key = R .. 'step:' .. correlation_id
local hook_key = R .. 'hook:' .. correlation_id
local wait_key = R .. 'wait:' .. correlation_id

local function load_step()
  local step = redis.call('HMGET', step_key, 'status', 'attempt', 'started', 'retry')
  if not step[1] then
    return nil
  end
  return { status = step[1], attempt = tonumber(step[2]), started = step[3], retry = step[4] }
end


-- The touched entity's status as the rules read it (nil: it does not exist). A hook is 'active',
-- or 'disposed' once deleted: its id stays used for the rest of the run.
local function entity_status_of(step)
  local kind = string.sub(event_type, 1, 4)
  if kind == 'run_' then
    return run and run.status or nil
  elseif kind == 'step' then
    return step and step.status or nil
  elseif kind == 'hook' then
    if redis.call('EXISTS', hook_key) == 1 then
      return 'active'
    end
    if redis.call('SISMEMBER', R .. 'hooks-ever', correlation_id) == 1 then
      return 'disposed'
    end
    return nil
  end
  return redis.call('HGET', wait_key, 'status') or nil
end

local function refusal(rule_type, entity_status, step)
  local code, message, detail = rule_refusal(rule_type, run_id, correlation_id,
    run and run.status or nil, entity_status, step and tonumber(step.retry) or nil, now)
  if code then
    return reject(code, message, detail)
  end
  return nil
end

-- ── the run's existence, spec version and fences, then the event's own rules ───────────────

if event_type == 'run_created' then
  -- ARGV[9] deploymentId [10] workflowName [11] input [12] executionContext or ''
  -- [13] attributes or ''
  -- Its own rule comes before the fences: a run that exists cannot be fenced as new.
  local refused = refusal(event_type, entity_status_of(nil), nil) or check_fences(nil)
  if refused then return refused end
  local _, at = append('run_created', record)
  create_run(ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13], spec_version, at)
  return applied('run', run_key)
end

if not run then
  if event_type ~= 'run_started' or ARGV[9] ~= '1' then
    return reject('RUN_NOT_FOUND')
  end
  -- Resilient start: the run's first message carries its creation data, so a run_started for a
  -- run whose run_created never landed creates it first, with a synthetic run_created event.
  local refused = check_fences(nil)
  if refused then return refused end
  local _, at = append('run_created', ARGV[15])
  create_run(ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14], spec_version, at)
else
  if run.spec > RULE_RUN_SPEC_VERSION_MAX then
    return reject('RUN_NOT_SUPPORTED', '', tostring(run.spec))
  end
  local refused = check_fences(run)
  if refused then return refused end
end

local step = string.sub(event_type, 1, 5) == 'step_' and load_step() or nil
local entity_status = entity_status_of(step)
-- A lazy step start (a step_started carrying the step's input) is the step's create-claim: the
-- rules of its synthetic step_created decide, so it is refused when the step exists.
local lazy_step = event_type == 'step_started' and ARGV[9] == '1'
local refused = refusal(lazy_step and 'step_created' or event_type, entity_status, step)
if refused then return refused end
if not lazy_step and rule_unchanged(event_type, run.status, entity_status) then
  return unchanged_run()
end
local becomes = rule_becomes(event_type)

-- ── what an applied event writes ────────────────────────────────────────────────────────────

if event_type == 'run_started' then
  -- ARGV[9] '1' when the event carries bootstrap data: [10] deploymentId [11] workflowName
  -- [12] input [13] executionContext or '' [14] attributes (always '': a bootstrap carries none)
  -- [15] the synthetic run_created record
  local _, at = append('run_started', record)
  local ms = ms_string(at)
  redis.call('HSET', run_key, 'status', becomes, 'updated', ms, 'started', run.started or ms)
  set_run_status(run.status, becomes)
  return applied('run', run_key)
elseif rule_ends_run(event_type) then
  -- run_completed: ARGV[9] output; run_failed: ARGV[9] the structured error
  local _, at = append(event_type, record)
  local ms = ms_string(at)
  redis.call('HSET', run_key, 'status', becomes, 'completed', ms, 'updated', ms)
  if event_type == 'run_completed' then
    redis.call('HSET', run_key, 'output', ARGV[9])
  elseif event_type == 'run_failed' then
    redis.call('HSET', run_key, 'error', ARGV[9])
  end
  set_run_status(run.status, becomes)
  redis.call('ZADD', G .. 'finished', ms, run_id)
  release_run_resources()
  return applied('run', run_key)
elseif event_type == 'step_created' then
  -- ARGV[9] stepName [10] input
  local id, at = append('step_created', record)
  local ms = ms_string(at)
  redis.call('HSET', step_key, 'name', ARGV[9], 'status', becomes, 'attempt', '0',
    'input', ARGV[10], 'created', ms, 'updated', ms, 'spec', spec_version, 'ev', id)
  redis.call('ZADD', R .. 'steps', 0, id .. ' ' .. correlation_id)
  index_correlation()
  return applied('step', step_key)
elseif lazy_step then
  -- ARGV[9] '1' [10] stepName [11] input [12] the synthetic step_created record: the step is
  -- created and started in this one call, born running at attempt 1.
  local created_id, created_at = append('step_created', ARGV[12])
  local _, at = append('step_started', record)
  local ms = ms_string(at)
  redis.call('HSET', step_key, 'name', ARGV[10], 'status', becomes, 'attempt', '1',
    'input', ARGV[11], 'created', ms_string(created_at), 'updated', ms, 'started', ms,
    'spec', spec_version, 'ev', created_id)
  redis.call('ZADD', R .. 'steps', 0, created_id .. ' ' .. correlation_id)
  index_correlation()
  return applied('step', step_key)
elseif event_type == 'step_started' then
  local _, at = append('step_started', record)
  local ms = ms_string(at)
  redis.call('HSET', step_key, 'status', becomes, 'attempt', tostring(step.attempt + 1),
    'updated', ms, 'started', step.started or ms)
  redis.call('HDEL', step_key, 'retry')
  return applied('step', step_key)
elseif event_type == 'step_completed' or event_type == 'step_failed' then
  -- ARGV[9] the output (step_completed) or the structured error (step_failed)
  local _, at = append(event_type, record)
  local ms = ms_string(at)
  local field = event_type == 'step_completed' and 'output' or 'error'
  redis.call('HSET', step_key, 'status', becomes, field, ARGV[9], 'completed', ms, 'updated', ms)
  redis.call('HDEL', step_key, 'retry')
  if event_type == 'step_completed' then
    -- A completed step keeps no error of an earlier attempt.
    redis.call('HDEL', step_key, 'error')
  end
  return applied('step', step_key)
elseif event_type == 'step_retrying' then
  -- ARGV[9] the structured error [10] retryAfter (ms) or ''
  local _, at = append('step_retrying', record)
  redis.call('HSET', step_key, 'status', becomes, 'error', ARGV[9], 'updated', ms_string(at))
  if ARGV[10] ~= '' then
    redis.call('HSET', step_key, 'retry', ARGV[10])
  else
    redis.call('HDEL', step_key, 'retry')
  end
  return applied('step', step_key)
elseif event_type == 'hook_created' then
  -- ARGV[9] token [10] metadata or '' [11] isWebhook '1' or '0'
  local token = ARGV[9]
  local token_hash = redis.sha1hex(token)
  local token_key = G .. 'token:' .. token_hash
  local holder = redis.call('GET', token_key)
  if holder then
    -- A token held by any other hook, in this run or another, is a conflict the runtime must
    -- see as an event: a refusal would read as "my own duplicate" and hang the hook.
    local holder_run = string.match(holder, '^(%S+) ')
    local conflict = cbor_map({
      't', cbor_text('hook_conflict'),
      'c', cbor_text(correlation_id),
      's', cbor_uint(spec_version),
      'd', cbor_map({ 'token', cbor_text(token), 'conflictingRunId', cbor_text(holder_run) }),
    })
    append('hook_conflict', conflict)
    index_correlation()
    return applied('conflict', nil, holder_run)
  end
  local id, at = append('hook_created', record)
  redis.call('HSET', hook_key, 'token', token, 'tk', token_hash, 'webhook', ARGV[11],
    'created', ms_string(at), 'spec', spec_version, 'ev', id)
  if ARGV[10] ~= '' then
    redis.call('HSET', hook_key, 'meta', ARGV[10])
  end
  redis.call('SET', token_key, run_id .. ' ' .. correlation_id)
  redis.call('SADD', R .. 'hooks-ever', correlation_id)
  redis.call('ZADD', R .. 'hooks', 0, id .. ' ' .. correlation_id)
  redis.call('ZADD', G .. 'hooks', 0, id .. ' ' .. run_id .. ' ' .. correlation_id)
  index_correlation()
  return applied('hook', hook_key)
elseif event_type == 'hook_received' then
  append('hook_received', record)
  return applied('none')
elseif event_type == 'hook_disposed' then
  append('hook_disposed', record)
  delete_hook(correlation_id)
  return applied('none')
elseif event_type == 'wait_created' then
  -- ARGV[9] resumeAt (ms)
  local _, at = append('wait_created', record)
  local ms = ms_string(at)
  redis.call('HSET', wait_key, 'status', becomes, 'resume', ARGV[9], 'created', ms,
    'updated', ms, 'spec', spec_version)
  redis.call('SADD', R .. 'waits', correlation_id)
  index_correlation()
  return applied('wait', wait_key)
elseif event_type == 'wait_completed' then
  local _, at = append('wait_completed', record)
  local ms = ms_string(at)
  redis.call('HSET', wait_key, 'status', becomes, 'completed', ms, 'updated', ms)
  return applied('wait', wait_key)
end

return reject('INVALID_EVENT_TYPE', event_type)
