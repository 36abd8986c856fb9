-- GENERATED from the rules table of @worldkit/world (packages/world/src/state-machine/rules.ts)
-- by packages/world-postgres/codegen/rules-sql.ts. Do not edit: change the table, then run
-- `pnpm --filter @worldkit/world-postgres generate`; test/generated-rules.test.ts fails while
-- this file is stale. A repeatable migration: applied again whenever it changes.
--
-- The facts: p_run_status is the run's status (NULL: no run), p_entity_status the touched
-- entity's (NULL: it does not exist; a hook is 'active', or 'disposed' once deleted),
-- p_retry_after a step's retryAfter and p_now the clock, both epoch ms.

-- The newest spec version of a run the store holds and appends to (RUN_SPEC_VERSION_MAX).
CREATE OR REPLACE FUNCTION rule_run_spec_version_max()
  RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 7;
-- Runs of this spec version or later number their events by slot (SPEC_VERSION_SLOT_IDS).
CREATE OR REPLACE FUNCTION rule_spec_version_slot_ids()
  RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 6;

-- Whether the event passes all of its rules. Inlined by the planner into the statement that
-- uses it, so the common path pays no function call.
CREATE OR REPLACE FUNCTION rule_allows(p_event_type text, p_run_status text, p_entity_status text, p_retry_after bigint, p_now bigint)
  RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_event_type
    WHEN 'run_created' THEN NOT (p_entity_status IS NOT NULL)
    WHEN 'run_started' THEN NOT (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false))
    WHEN 'run_completed' THEN NOT (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false))
    WHEN 'run_failed' THEN NOT (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false))
    WHEN 'run_cancelled' THEN NOT (coalesce(p_run_status IN ('completed', 'failed'), false))
    WHEN 'step_created' THEN NOT (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false)
      OR p_entity_status IS NOT NULL)
    WHEN 'step_started' THEN NOT (p_entity_status IS NULL
      OR coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false)
      OR (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) AND NOT coalesce(p_entity_status IN ('running'), false))
      OR (p_retry_after IS NOT NULL AND p_retry_after > p_now))
    WHEN 'step_completed' THEN NOT (p_entity_status IS NULL
      OR coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false))
    WHEN 'step_failed' THEN NOT (p_entity_status IS NULL
      OR coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false)
      OR (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) AND NOT coalesce(p_entity_status IN ('running'), false)))
    WHEN 'step_retrying' THEN NOT (p_entity_status IS NULL
      OR coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false))
    WHEN 'hook_created' THEN NOT (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false)
      OR p_entity_status IS NOT NULL)
    WHEN 'hook_received' THEN NOT (NOT coalesce(p_entity_status IN ('active'), false))
    WHEN 'hook_disposed' THEN NOT (NOT coalesce(p_entity_status IN ('active'), false))
    WHEN 'wait_created' THEN NOT (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false)
      OR p_entity_status IS NOT NULL)
    WHEN 'wait_completed' THEN NOT (p_entity_status IS NULL
      OR coalesce(p_entity_status IN ('completed'), false))
    ELSE false
  END;

-- The event's first refusal that holds (NULL when none does): its code, message and detail.
CREATE OR REPLACE FUNCTION rule_refusal(p_event_type text, p_run_id text,
    p_correlation_id text, p_run_status text, p_entity_status text, p_retry_after bigint,
    p_now bigint)
  RETURNS append_result LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  CASE p_event_type
  WHEN 'run_created' THEN
    IF p_entity_status IS NOT NULL THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' already exists');
    END IF;
  WHEN 'run_started' THEN
    IF coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('RUN_EXPIRED', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
  WHEN 'run_completed' THEN
    IF coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
  WHEN 'run_failed' THEN
    IF coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
  WHEN 'run_cancelled' THEN
    IF coalesce(p_run_status IN ('completed', 'failed'), false) THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
  WHEN 'step_created' THEN
    IF coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
    IF p_entity_status IS NOT NULL THEN
      RETURN refusal('CONFLICT', 'step ' || p_correlation_id || ' already exists in run ' || p_run_id);
    END IF;
  WHEN 'step_started' THEN
    IF p_entity_status IS NULL THEN
      RETURN refusal('NOT_FOUND', 'step ' || p_correlation_id || ' not found');
    END IF;
    IF coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'step ' || p_correlation_id || ' is already ' || coalesce(p_entity_status, ''));
    END IF;
    IF (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) AND NOT coalesce(p_entity_status IN ('running'), false)) THEN
      RETURN refusal('RUN_EXPIRED', 'run ' || p_run_id || ' is ' || coalesce(p_run_status, '') || '; step ' || p_correlation_id || ' is ' || coalesce(p_entity_status, ''));
    END IF;
    IF (p_retry_after IS NOT NULL AND p_retry_after > p_now) THEN
      RETURN refusal('TOO_EARLY', 'step ' || p_correlation_id || ' may not start for another ' || greatest(1, ceil((p_retry_after - p_now) / 1000.0))::integer::text || ' s', greatest(1, ceil((p_retry_after - p_now) / 1000.0))::integer::text);
    END IF;
  WHEN 'step_completed' THEN
    IF p_entity_status IS NULL THEN
      RETURN refusal('NOT_FOUND', 'step ' || p_correlation_id || ' not found');
    END IF;
    IF coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'step ' || p_correlation_id || ' is already ' || coalesce(p_entity_status, ''));
    END IF;
  WHEN 'step_failed' THEN
    IF p_entity_status IS NULL THEN
      RETURN refusal('NOT_FOUND', 'step ' || p_correlation_id || ' not found');
    END IF;
    IF coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'step ' || p_correlation_id || ' is already ' || coalesce(p_entity_status, ''));
    END IF;
    IF (coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) AND NOT coalesce(p_entity_status IN ('running'), false)) THEN
      RETURN refusal('RUN_EXPIRED', 'run ' || p_run_id || ' is ' || coalesce(p_run_status, '') || '; step ' || p_correlation_id || ' is ' || coalesce(p_entity_status, ''));
    END IF;
  WHEN 'step_retrying' THEN
    IF p_entity_status IS NULL THEN
      RETURN refusal('NOT_FOUND', 'step ' || p_correlation_id || ' not found');
    END IF;
    IF coalesce(p_entity_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'step ' || p_correlation_id || ' is already ' || coalesce(p_entity_status, ''));
    END IF;
  WHEN 'hook_created' THEN
    IF coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
    IF p_entity_status IS NOT NULL THEN
      RETURN refusal('CONFLICT', 'hook ' || p_correlation_id || ' already exists in run ' || p_run_id);
    END IF;
  WHEN 'hook_received' THEN
    IF NOT coalesce(p_entity_status IN ('active'), false) THEN
      RETURN refusal('HOOK_NOT_FOUND', 'hook ' || p_correlation_id || ' not found in run ' || p_run_id);
    END IF;
  WHEN 'hook_disposed' THEN
    IF NOT coalesce(p_entity_status IN ('active'), false) THEN
      RETURN refusal('HOOK_NOT_FOUND', 'hook ' || p_correlation_id || ' not found in run ' || p_run_id);
    END IF;
  WHEN 'wait_created' THEN
    IF coalesce(p_run_status IN ('completed', 'failed', 'cancelled'), false) THEN
      RETURN refusal('CONFLICT', 'run ' || p_run_id || ' is already ' || coalesce(p_run_status, ''));
    END IF;
    IF p_entity_status IS NOT NULL THEN
      RETURN refusal('CONFLICT', 'wait ' || p_run_id || '-' || p_correlation_id || ' already exists in run ' || p_run_id);
    END IF;
  WHEN 'wait_completed' THEN
    IF p_entity_status IS NULL THEN
      RETURN refusal('NOT_FOUND', 'wait ' || p_run_id || '-' || p_correlation_id || ' not found');
    END IF;
    IF coalesce(p_entity_status IN ('completed'), false) THEN
      RETURN refusal('CONFLICT', 'wait ' || p_run_id || '-' || p_correlation_id || ' is already completed');
    END IF;
  ELSE
    NULL;
  END CASE;
  RETURN NULL;
END $$;

-- Whether a valid event is an idempotent no-op that appends nothing.
CREATE OR REPLACE FUNCTION rule_unchanged(p_event_type text, p_run_status text, p_entity_status text)
  RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_event_type
    WHEN 'run_started' THEN coalesce(p_run_status IN ('running'), false)
    WHEN 'run_cancelled' THEN coalesce(p_run_status IN ('cancelled'), false)
    ELSE false
  END;

-- The status the event leaves its entity in (NULL: it changes no status).
CREATE OR REPLACE FUNCTION rule_becomes(p_event_type text)
  RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE p_event_type
    WHEN 'run_created' THEN 'pending'
    WHEN 'run_started' THEN 'running'
    WHEN 'run_completed' THEN 'completed'
    WHEN 'run_failed' THEN 'failed'
    WHEN 'run_cancelled' THEN 'cancelled'
    WHEN 'step_created' THEN 'pending'
    WHEN 'step_started' THEN 'running'
    WHEN 'step_completed' THEN 'completed'
    WHEN 'step_failed' THEN 'failed'
    WHEN 'step_retrying' THEN 'pending'
    WHEN 'hook_created' THEN 'active'
    WHEN 'hook_disposed' THEN 'disposed'
    WHEN 'wait_created' THEN 'waiting'
    WHEN 'wait_completed' THEN 'completed'
    ELSE NULL
  END;

-- Written without stateUpdatedAt, these events move the run's stateUpdatedAt marker.
CREATE OR REPLACE FUNCTION rule_external(p_event_type text)
  RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN p_event_type IN ('step_completed', 'hook_received');

-- The run ends: its hooks are deleted (tokens released) and its waits dropped.
CREATE OR REPLACE FUNCTION rule_ends_run(p_event_type text)
  RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN p_event_type IN ('run_completed', 'run_failed', 'run_cancelled');
