-- events.create decided by the rule functions generated from the rules table of @worldkit/world
-- (repeatable/event_rules.sql: rule_allows, rule_refusal, rule_unchanged, rule_becomes,
-- rule_external, rule_ends_run). The functions here load the facts those rules read, and
-- write what an applied event changes; no rule is written here. A refusal is one result row
-- with a code, a message and, for a few codes, a detail: the shape every World reports.
--
-- Writes are optimistic where that saves a read on the common path: a creation inserts when the
-- rules allow it for a missing entity and, when the row exists after all, asks the rules again
-- with the real status; a step transition is one UPDATE guarded by rule_allows() on the row's
-- status (a compare-and-set), and only when it matches nothing is the step read to say why.
-- Every refusal is decided before the statement's first write.

DROP FUNCTION append_event(text, text, text, integer, bytea, bytea, bytea, text, boolean, text,
  bigint, bigint, text, text, bytea, double precision, text, text);
DROP FUNCTION append_run_event(text, text, text, integer, bytea, bytea, bytea, text, text, bytea,
  double precision, text, text, bigint);
DROP FUNCTION step_refusal(text, text, text, text, bigint);
DROP FUNCTION run_refusal(text, integer, bigint, text, double precision, text);
DROP FUNCTION refusal(text, text);

-- A refusal carries one detail for the codes that have one (TOO_EARLY: seconds to wait;
-- FENCE_CONFLICT: the run's newest event id; RUN_NOT_SUPPORTED: the run's spec version), in
-- place of a column per code. append_events() (0002) returns the rows of append_event() as
-- they are, so it stays.
ALTER TYPE append_result
  DROP ATTRIBUTE retry_after_s,
  DROP ATTRIBUTE fence_actual,
  ADD ATTRIBUTE detail text;

-- A refusal: the result row carrying only its code, message and detail.
CREATE FUNCTION refusal(p_code text, p_message text DEFAULT NULL, p_detail text DEFAULT NULL)
RETURNS append_result
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  v_out append_result;
BEGIN
  v_out.row_kind := 'result';
  v_out.code := p_code;
  v_out.message := p_message;
  v_out.detail := p_detail;
  RETURN v_out;
END $$;

-- The checks every event passes before its own rules, the same for all: the run's spec version,
-- the stateUpdatedAt guard (p_marker: epoch ms of the newest externally originated event), then
-- the lastKnownEventId fence (p_last: the newest event id). NULL when they pass.
CREATE FUNCTION run_refusal(p_run_id text, p_spec_version integer, p_marker bigint, p_last text,
                            p_state_updated_at double precision, p_last_known_event_id text)
RETURNS append_result
  LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_spec_version > 3 THEN
    RETURN refusal('RUN_NOT_SUPPORTED', NULL, p_spec_version::text);
  ELSIF p_state_updated_at IS NOT NULL AND p_marker IS NOT NULL
        AND p_state_updated_at < p_marker THEN
    RETURN refusal('PRECONDITION_FAILED',
      format('run %s received an external event at %s, after the writer''s snapshot at %s',
             p_run_id, p_marker, p_state_updated_at));
  ELSIF p_last_known_event_id IS NOT NULL AND p_last_known_event_id IS DISTINCT FROM p_last THEN
    RETURN refusal('FENCE_CONFLICT', NULL, p_last);
  END IF;
  RETURN NULL;
END $$;

-- events.create. Payload-carrying parameters arrive CBOR-encoded from the client (p_data:
-- eventData without its payload field; p_payload: that field; p_error: the normalized structured
-- error); scalars the rules or entities need arrive as separate parameters; dates are epoch ms.
--
-- PL/pgSQL rebuilds the state of each expression it evaluates once per transaction, and every
-- call is its own transaction, so the common path (step, hook and wait events) keeps its
-- expressions few: one statement reads and locks the run, one writes the entity, one the event,
-- and one builds the result.
CREATE FUNCTION append_event(
  p_run_id text,
  p_event_type text,
  p_correlation_id text,
  p_spec_version integer,
  p_data bytea,
  p_payload bytea,
  p_error bytea,
  p_token text,
  p_is_webhook boolean,
  p_step_name text,
  p_resume_at bigint,
  p_retry_after bigint,
  p_deployment_id text,
  p_workflow_name text,
  p_execution_context bytea,
  p_state_updated_at double precision,
  p_last_known_event_id text,
  p_random text
) RETURNS SETOF append_result
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_now CONSTANT bigint := epoch_ms(clock_timestamp());
  v_status text;        -- the run's status
  v_spec_version integer;
  v_last text;          -- the run's newest event id
  v_marker bigint;      -- the guard's marker, read only when the write carries stateUpdatedAt
  v_entity text;        -- the touched entity's status, as the rules read it
  v_retry_after bigint; -- the step's retryAfter, read when a step transition is refused
  v_step steps%ROWTYPE;
  v_wait waits%ROWTYPE;
  v_out append_result;
  v_id text;            -- the appended event's id
  v_at timestamptz;     -- its time
  v_type text := p_event_type;
  v_holder text;        -- the run holding a requested hook token
BEGIN
  IF left(p_event_type, 4) = 'run_' THEN
    RETURN QUERY SELECT * FROM append_run_event(p_run_id, p_event_type, p_correlation_id,
      p_spec_version, p_data, p_payload, p_error, p_deployment_id, p_workflow_name,
      p_execution_context, p_state_updated_at, p_last_known_event_id, p_random, v_now);
    RETURN;
  END IF;

  PERFORM lock_run(p_run_id);
  SELECT r.status, r.spec_version,
         (SELECT e.event_id FROM events e WHERE e.run_id = p_run_id
          ORDER BY e.event_id DESC LIMIT 1),
         CASE WHEN p_state_updated_at IS NOT NULL THEN
           (SELECT ulid_time(e.event_id) FROM events e WHERE e.run_id = p_run_id AND e.external
            ORDER BY e.event_id DESC LIMIT 1) END
  INTO v_status, v_spec_version, v_last, v_marker
  FROM runs r WHERE r.run_id = p_run_id;
  IF NOT FOUND THEN
    RETURN NEXT refusal('RUN_NOT_FOUND');
    RETURN;
  END IF;
  v_out := run_refusal(p_run_id, v_spec_version, v_marker, v_last, p_state_updated_at,
                       p_last_known_event_id);
  IF v_out.code IS NOT NULL THEN
    RETURN NEXT v_out;
    RETURN;
  END IF;
  -- The next id: after the run's newest, on the server clock (see next_event_id).
  v_id := CASE WHEN v_now > ulid_time(v_last)
               THEN 'evnt_' || ulid_encode_time(v_now) || p_random
               ELSE next_event_id(v_last, v_now, p_random) END;
  v_at := from_epoch_ms(ulid_time(v_id));

  CASE p_event_type
  WHEN 'step_created' THEN
    IF NOT rule_allows(p_event_type, v_status, NULL, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, NULL, NULL,
                               v_now);
      RETURN;
    END IF;
    INSERT INTO steps (run_id, step_id, step_name, status, input, attempt, created_at,
                       updated_at, spec_version, created_event_id)
    VALUES (p_run_id, p_correlation_id, p_step_name, rule_becomes(p_event_type), p_payload, 0,
            v_at, v_at, p_spec_version, v_id)
    ON CONFLICT (run_id, step_id) DO NOTHING;
    IF NOT FOUND THEN
      SELECT status INTO v_entity FROM steps
      WHERE run_id = p_run_id AND step_id = p_correlation_id;
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, v_entity,
                               NULL, v_now);
      RETURN;
    END IF;

  WHEN 'step_started', 'step_completed', 'step_failed', 'step_retrying' THEN
    UPDATE steps SET
      status = rule_becomes(p_event_type),
      attempt = attempt + CASE WHEN p_event_type = 'step_started' THEN 1 ELSE 0 END,
      started_at = CASE WHEN p_event_type = 'step_started' THEN coalesce(started_at, v_at)
                        ELSE started_at END,
      output = CASE WHEN p_event_type = 'step_completed' THEN p_payload ELSE output END,
      error = CASE p_event_type WHEN 'step_completed' THEN NULL
                                WHEN 'step_started' THEN error
                                ELSE p_error END,
      completed_at = CASE WHEN p_event_type IN ('step_completed', 'step_failed') THEN v_at
                          ELSE completed_at END,
      retry_after = CASE WHEN p_event_type = 'step_retrying'
                         THEN from_epoch_ms(p_retry_after) END,
      updated_at = v_at
    WHERE run_id = p_run_id AND step_id = p_correlation_id
      AND rule_allows(p_event_type, v_status, status, epoch_ms(retry_after), v_now)
    RETURNING * INTO v_step;
    IF NOT FOUND THEN
      SELECT status, epoch_ms(retry_after) INTO v_entity, v_retry_after
      FROM steps WHERE run_id = p_run_id AND step_id = p_correlation_id;
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, v_entity,
                               v_retry_after, v_now);
      RETURN;
    END IF;

  WHEN 'hook_created', 'hook_received', 'hook_disposed' THEN
    -- A hook id is used once per run: 'disposed' once its hook was deleted.
    SELECT CASE WHEN EXISTS (SELECT 1 FROM hooks WHERE run_id = p_run_id
                               AND hook_id = p_correlation_id) THEN 'active'
                WHEN EXISTS (SELECT 1 FROM events WHERE run_id = p_run_id
                               AND correlation_id = p_correlation_id
                               AND event_type = 'hook_created') THEN 'disposed' END
    INTO v_entity;
    IF NOT rule_allows(p_event_type, v_status, v_entity, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, v_entity,
                               NULL, v_now);
      RETURN;
    END IF;
    IF p_event_type = 'hook_created' THEN
      SELECT run_id INTO v_holder FROM hooks WHERE md5(token) = md5(p_token);
      IF NOT FOUND THEN
        INSERT INTO hooks (run_id, hook_id, token, metadata, is_webhook, spec_version, created_at,
                           created_event_id)
        VALUES (p_run_id, p_correlation_id, p_token, p_payload, coalesce(p_is_webhook, false),
                p_spec_version, v_at, v_id)
        ON CONFLICT ((md5(token))) DO NOTHING;
        IF NOT FOUND THEN
          -- Another run claimed the token after the lookup above.
          SELECT run_id INTO v_holder FROM hooks WHERE md5(token) = md5(p_token);
        END IF;
      END IF;
      IF v_holder IS NOT NULL THEN
        -- A token held by any other hook is a conflict the runtime must see as an event.
        v_type := 'hook_conflict';
        p_data := '\xa2'::bytea || cbor_text('token') || cbor_text(p_token)
                  || cbor_text('conflictingRunId') || cbor_text(v_holder);
        p_payload := NULL;
      END IF;
    ELSIF p_event_type = 'hook_disposed' THEN
      DELETE FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id;
    END IF;

  WHEN 'wait_created' THEN
    IF NOT rule_allows(p_event_type, v_status, NULL, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, NULL, NULL,
                               v_now);
      RETURN;
    END IF;
    INSERT INTO waits (run_id, correlation_id, status, resume_at, created_at, updated_at,
                       spec_version)
    VALUES (p_run_id, p_correlation_id, rule_becomes(p_event_type), from_epoch_ms(p_resume_at),
            v_at, v_at, p_spec_version)
    ON CONFLICT (run_id, correlation_id) DO NOTHING;
    IF NOT FOUND THEN
      SELECT status INTO v_entity FROM waits
      WHERE run_id = p_run_id AND correlation_id = p_correlation_id;
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, v_entity,
                               NULL, v_now);
      RETURN;
    END IF;

  WHEN 'wait_completed' THEN
    SELECT * INTO v_wait FROM waits
    WHERE run_id = p_run_id AND correlation_id = p_correlation_id;
    IF NOT rule_allows(p_event_type, v_status, v_wait.status, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status,
                               v_wait.status, NULL, v_now);
      RETURN;
    END IF;
    UPDATE waits SET status = rule_becomes(p_event_type), completed_at = v_at, updated_at = v_at
    WHERE run_id = p_run_id AND correlation_id = p_correlation_id;

  ELSE
    RETURN NEXT refusal('INVALID_EVENT_TYPE', p_event_type);
    RETURN;
  END CASE;

  -- The new event is the run's newest, which is the fence; an unguarded external event is also
  -- the guard's new marker.
  INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version, created_at,
                      data, payload, external)
  VALUES (p_run_id, v_id, v_type, p_correlation_id, p_spec_version, v_at, p_data, p_payload,
          p_state_updated_at IS NULL AND rule_external(v_type));
  RETURN QUERY SELECT NULL::integer, 'result', NULL::text, NULL::text, 'applied',
    v_id, v_type, p_correlation_id, NULL::integer, NULL::bytea, NULL::bytea, v_holder,
    NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bytea, NULL::bytea, NULL::bytea,
    NULL::bytea, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
    v_step.step_name, v_step.status, v_step.input, v_step.output, v_step.error, v_step.attempt,
    epoch_ms(v_step.started_at), epoch_ms(v_step.completed_at), epoch_ms(v_step.created_at),
    epoch_ms(v_step.updated_at), epoch_ms(v_step.retry_after), v_step.spec_version,
    epoch_ms(v_wait.resume_at), epoch_ms(v_wait.created_at), v_wait.spec_version, NULL::text;
END $$;

-- The run events (created, started, completed, failed, cancelled): a run's first and last
-- events, and the only ones that may create it (run_created, and run_started carrying the
-- creation data: the resilient start). run_started also returns the run's whole log.
CREATE FUNCTION append_run_event(
  p_run_id text,
  p_event_type text,
  p_correlation_id text,
  p_spec_version integer,
  p_data bytea,
  p_payload bytea,
  p_error bytea,
  p_deployment_id text,
  p_workflow_name text,
  p_execution_context bytea,
  p_state_updated_at double precision,
  p_last_known_event_id text,
  p_random text,
  p_now bigint
) RETURNS SETOF append_result
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_run runs%ROWTYPE;
  v_out append_result;
  v_bootstrapped boolean := false;
  v_last text;          -- the run's newest event id, advanced by every append below
  v_marker bigint;      -- the guard's marker
  v_at timestamptz;     -- time of the event being appended
  v_unchanged boolean := false;
BEGIN
  PERFORM lock_run(p_run_id);
  IF p_event_type = 'run_created' THEN
    -- Its own rule comes before the fences: a run that exists cannot be fenced as new.
    SELECT * INTO v_run FROM runs WHERE run_id = p_run_id;
    v_out := coalesce(
      rule_refusal(p_event_type, p_run_id, p_correlation_id, v_run.status, v_run.status, NULL,
                   p_now),
      run_refusal(p_run_id, NULL, NULL, NULL, p_state_updated_at, p_last_known_event_id));
    IF v_out.code IS NOT NULL THEN
      RETURN NEXT v_out;
      RETURN;
    END IF;
    v_last := next_event_id(NULL, p_now, p_random);
    v_at := from_epoch_ms(ulid_time(v_last));
    INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version,
                      execution_context, input, created_at, updated_at)
    VALUES (p_run_id, rule_becomes(p_event_type), p_deployment_id, p_workflow_name,
            p_spec_version, p_execution_context, p_payload, v_at, v_at)
    RETURNING * INTO v_run;
    INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version, created_at,
                        data, payload)
    VALUES (p_run_id, v_last, 'run_created', p_correlation_id, p_spec_version, v_at, p_data,
            p_payload);
  ELSE
    SELECT * INTO v_run FROM runs WHERE run_id = p_run_id;
    IF NOT FOUND THEN
      -- Resilient start: a run_started carrying the creation data creates the run first.
      IF p_event_type <> 'run_started' OR p_deployment_id IS NULL THEN
        RETURN NEXT refusal('RUN_NOT_FOUND');
        RETURN;
      END IF;
      v_out := run_refusal(p_run_id, NULL, NULL, NULL, p_state_updated_at,
                           p_last_known_event_id);
      IF v_out.code IS NOT NULL THEN
        RETURN NEXT v_out;
        RETURN;
      END IF;
      v_last := next_event_id(NULL, p_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version,
                        execution_context, input, created_at, updated_at)
      VALUES (p_run_id, rule_becomes('run_created'), p_deployment_id, p_workflow_name,
              p_spec_version, p_execution_context, p_payload, v_at, v_at)
      RETURNING * INTO v_run;
      INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version, created_at,
                          data, payload)
      VALUES (p_run_id, v_last, 'run_created', NULL, p_spec_version, v_at, p_data, p_payload);
      v_bootstrapped := true;
    END IF;

    IF NOT v_bootstrapped THEN
      SELECT (SELECT e.event_id FROM events e WHERE e.run_id = p_run_id
              ORDER BY e.event_id DESC LIMIT 1),
             CASE WHEN p_state_updated_at IS NOT NULL THEN
               (SELECT ulid_time(e.event_id) FROM events e WHERE e.run_id = p_run_id AND e.external
                ORDER BY e.event_id DESC LIMIT 1) END
      INTO v_last, v_marker;
      v_out := run_refusal(p_run_id, v_run.spec_version, v_marker, v_last, p_state_updated_at,
                           p_last_known_event_id);
      IF v_out.code IS NOT NULL THEN
        RETURN NEXT v_out;
        RETURN;
      END IF;
    END IF;

    IF NOT rule_allows(p_event_type, v_run.status, v_run.status, NULL, p_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_run.status,
                               v_run.status, NULL, p_now);
      RETURN;
    END IF;
    v_unchanged := rule_unchanged(p_event_type, v_run.status, v_run.status);
    IF NOT v_unchanged THEN
      v_last := next_event_id(v_last, p_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      IF p_event_type = 'run_started' THEN
        INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version,
                            created_at)
        VALUES (p_run_id, v_last, 'run_started', p_correlation_id, p_spec_version, v_at);
        UPDATE runs SET status = rule_becomes(p_event_type),
                        started_at = coalesce(started_at, v_at), updated_at = v_at
        WHERE run_id = p_run_id RETURNING * INTO v_run;
      ELSE
        INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version,
                            created_at, data, payload)
        VALUES (p_run_id, v_last, p_event_type, p_correlation_id, p_spec_version, v_at, p_data,
                p_payload);
        UPDATE runs SET status = rule_becomes(p_event_type),
                        output = CASE WHEN p_event_type = 'run_completed' THEN p_payload END,
                        error = CASE WHEN p_event_type = 'run_failed' THEN p_error END,
                        completed_at = v_at, updated_at = v_at
        WHERE run_id = p_run_id RETURNING * INTO v_run;
      END IF;
      IF rule_ends_run(p_event_type) THEN
        -- A terminal run releases its hook tokens and drops its waits.
        DELETE FROM hooks WHERE run_id = p_run_id;
        DELETE FROM waits WHERE run_id = p_run_id;
      END IF;
    END IF;

    IF p_event_type = 'run_started' THEN
      -- The run's whole log, ascending, with data: the replay needs nothing else.
      RETURN QUERY SELECT NULL::integer, 'event', NULL::text, NULL::text, NULL::text,
        e.event_id, e.event_type, e.correlation_id, e.spec_version, e.data, e.payload,
        NULL::text, NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bytea, NULL::bytea,
        NULL::bytea, NULL::bytea, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, NULL::bytea, NULL::bytea, NULL::bytea, NULL::integer,
        NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::integer,
        NULL::bigint, NULL::bigint, NULL::integer, NULL::text
      FROM events e WHERE e.run_id = p_run_id ORDER BY e.event_id;
    END IF;
  END IF;

  RETURN QUERY SELECT NULL::integer, 'result', NULL::text, NULL::text,
    CASE WHEN v_unchanged THEN 'unchanged' ELSE 'applied' END,
    CASE WHEN v_unchanged THEN NULL ELSE v_last END,
    CASE WHEN v_unchanged THEN NULL ELSE p_event_type END,
    CASE WHEN v_unchanged THEN NULL ELSE p_correlation_id END,
    NULL::integer, NULL::bytea, NULL::bytea, NULL::text,
    v_run.status, v_run.deployment_id, v_run.workflow_name, v_run.spec_version,
    v_run.execution_context, v_run.input, v_run.output, v_run.error,
    epoch_ms(v_run.created_at), epoch_ms(v_run.updated_at), epoch_ms(v_run.started_at),
    epoch_ms(v_run.completed_at),
    NULL::text, NULL::text, NULL::bytea, NULL::bytea, NULL::bytea, NULL::integer,
    NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::integer,
    NULL::bigint, NULL::bigint, NULL::integer, NULL::text;
END $$;
