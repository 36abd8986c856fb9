-- GENERATED from the rules table of @worldkit/world (packages/world/src/state-machine/rules.ts)
-- by packages/world-redis/codegen/rules-lua.ts. Do not edit: change the table, then run
-- `pnpm --filter @worldkit/world-redis generate`; test/generated-rules.test.ts fails while
-- this file is stale.

-- The newest spec version of a run the store holds and appends to (RUN_SPEC_VERSION_MAX).
local RULE_RUN_SPEC_VERSION_MAX = 7
-- Runs of this spec version or later number their events by slot (SPEC_VERSION_SLOT_IDS).
local RULE_SPEC_VERSION_SLOT_IDS = 6

-- The first refusal of the event's rules that holds: code, message, detail (TOO_EARLY: the
-- seconds to wait). nil when the event may apply.
local function rule_refusal(event_type, run_id, correlation_id, run_status, entity_status,
                            retry_after, now)
  if event_type == 'run_created' then
    if entity_status ~= nil then
      return 'CONFLICT', 'run ' .. run_id .. ' already exists', ''
    end
  elseif event_type == 'run_started' then
    if (run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') then
      return 'RUN_EXPIRED', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
  elseif event_type == 'run_completed' then
    if (run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') then
      return 'CONFLICT', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
  elseif event_type == 'run_failed' then
    if (run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') then
      return 'CONFLICT', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
  elseif event_type == 'run_cancelled' then
    if (run_status == 'completed' or run_status == 'failed') then
      return 'CONFLICT', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
  elseif event_type == 'step_created' then
    if (run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') then
      return 'CONFLICT', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
    if entity_status ~= nil then
      return 'CONFLICT', 'step ' .. correlation_id .. ' already exists in run ' .. run_id, ''
    end
  elseif event_type == 'step_started' then
    if entity_status == nil then
      return 'NOT_FOUND', 'step ' .. correlation_id .. ' not found', ''
    end
    if (entity_status == 'completed' or entity_status == 'failed' or entity_status == 'cancelled') then
      return 'CONFLICT', 'step ' .. correlation_id .. ' is already ' .. (entity_status or ''), ''
    end
    if ((run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') and not (entity_status == 'running')) then
      return 'RUN_EXPIRED', 'run ' .. run_id .. ' is ' .. (run_status or '') .. '; step ' .. correlation_id .. ' is ' .. (entity_status or ''), ''
    end
    if (retry_after ~= nil and retry_after > now) then
      return 'TOO_EARLY', 'step ' .. correlation_id .. ' may not start for another ' .. tostring(math.max(1, math.ceil((retry_after - now) / 1000))) .. ' s', tostring(math.max(1, math.ceil((retry_after - now) / 1000)))
    end
  elseif event_type == 'step_completed' then
    if entity_status == nil then
      return 'NOT_FOUND', 'step ' .. correlation_id .. ' not found', ''
    end
    if (entity_status == 'completed' or entity_status == 'failed' or entity_status == 'cancelled') then
      return 'CONFLICT', 'step ' .. correlation_id .. ' is already ' .. (entity_status or ''), ''
    end
  elseif event_type == 'step_failed' then
    if entity_status == nil then
      return 'NOT_FOUND', 'step ' .. correlation_id .. ' not found', ''
    end
    if (entity_status == 'completed' or entity_status == 'failed' or entity_status == 'cancelled') then
      return 'CONFLICT', 'step ' .. correlation_id .. ' is already ' .. (entity_status or ''), ''
    end
    if ((run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') and not (entity_status == 'running')) then
      return 'RUN_EXPIRED', 'run ' .. run_id .. ' is ' .. (run_status or '') .. '; step ' .. correlation_id .. ' is ' .. (entity_status or ''), ''
    end
  elseif event_type == 'step_retrying' then
    if entity_status == nil then
      return 'NOT_FOUND', 'step ' .. correlation_id .. ' not found', ''
    end
    if (entity_status == 'completed' or entity_status == 'failed' or entity_status == 'cancelled') then
      return 'CONFLICT', 'step ' .. correlation_id .. ' is already ' .. (entity_status or ''), ''
    end
  elseif event_type == 'hook_created' then
    if (run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') then
      return 'CONFLICT', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
    if entity_status ~= nil then
      return 'CONFLICT', 'hook ' .. correlation_id .. ' already exists in run ' .. run_id, ''
    end
  elseif event_type == 'hook_received' then
    if not (entity_status == 'active') then
      return 'HOOK_NOT_FOUND', 'hook ' .. correlation_id .. ' not found in run ' .. run_id, ''
    end
  elseif event_type == 'hook_disposed' then
    if not (entity_status == 'active') then
      return 'HOOK_NOT_FOUND', 'hook ' .. correlation_id .. ' not found in run ' .. run_id, ''
    end
  elseif event_type == 'wait_created' then
    if (run_status == 'completed' or run_status == 'failed' or run_status == 'cancelled') then
      return 'CONFLICT', 'run ' .. run_id .. ' is already ' .. (run_status or ''), ''
    end
    if entity_status ~= nil then
      return 'CONFLICT', 'wait ' .. run_id .. '-' .. correlation_id .. ' already exists in run ' .. run_id, ''
    end
  elseif event_type == 'wait_completed' then
    if entity_status == nil then
      return 'NOT_FOUND', 'wait ' .. run_id .. '-' .. correlation_id .. ' not found', ''
    end
    if entity_status == 'completed' then
      return 'CONFLICT', 'wait ' .. run_id .. '-' .. correlation_id .. ' is already completed', ''
    end
  end
  return nil
end

-- Whether a valid event is an idempotent no-op that appends nothing.
local function rule_unchanged(event_type, run_status, entity_status)
  return (event_type == 'run_started' and run_status == 'running')
    or (event_type == 'run_cancelled' and run_status == 'cancelled')
end

-- The status the event leaves its entity in (nil: it changes no status).
local function rule_becomes(event_type)
  if event_type == 'run_created' then
    return 'pending'
  elseif event_type == 'run_started' then
    return 'running'
  elseif event_type == 'run_completed' then
    return 'completed'
  elseif event_type == 'run_failed' then
    return 'failed'
  elseif event_type == 'run_cancelled' then
    return 'cancelled'
  elseif event_type == 'step_created' then
    return 'pending'
  elseif event_type == 'step_started' then
    return 'running'
  elseif event_type == 'step_completed' then
    return 'completed'
  elseif event_type == 'step_failed' then
    return 'failed'
  elseif event_type == 'step_retrying' then
    return 'pending'
  elseif event_type == 'hook_created' then
    return 'active'
  elseif event_type == 'hook_disposed' then
    return 'disposed'
  elseif event_type == 'wait_created' then
    return 'waiting'
  elseif event_type == 'wait_completed' then
    return 'completed'
  end
  return nil
end

-- Written without stateUpdatedAt, these events move the run's stateUpdatedAt marker.
local function rule_external(event_type)
  return event_type == 'step_completed' or event_type == 'hook_received'
end

-- The run ends: its hooks are deleted (tokens released) and its waits dropped.
local function rule_ends_run(event_type)
  return event_type == 'run_completed' or event_type == 'run_failed' or event_type == 'run_cancelled'
end
