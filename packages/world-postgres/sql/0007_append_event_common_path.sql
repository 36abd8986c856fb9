-- append_event() with a cheaper common path: the same decisions, fences and writes as 0005's,
-- in fewer and smaller expressions. Each events.create is its own transaction, and PL/pgSQL
-- sets up every expression and statement plan it runs anew in each transaction (ExecutorStart,
-- ExecInitExpr), which was the largest part of the server's work per append, ahead of the
-- writes themselves and their index entries:
--
-- * lock_run()'s lock and isolation check are one statement here, not a nested function call;
-- * the new id's time is compared as text (ULID times sort as text), so the common case decodes
--   no id;
-- * the run's state is read without the guard's marker unless the write carries
--   stateUpdatedAt, so the others do not set up that index scan;
-- * each step transition is its own compare-and-set UPDATE, and each branch of a single event
--   type names its type to the rules as a literal, so the planner folds the generated rules
--   (rule_allows, rule_becomes) to that type's alone instead of every type's;
-- * the result row is one expression, not a query.
--
-- lock_run() stays: append_run_event() and prune_runs() take the same lock through it.

CREATE OR REPLACE FUNCTION append_event(
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
  v_time text;          -- the clock's millisecond, as an id's time part
  v_type text := p_event_type;
  v_holder text;        -- the run holding a requested hook token
BEGIN
  IF left(p_event_type, 4) = 'run_' THEN
    RETURN QUERY SELECT * FROM append_run_event(p_run_id, p_event_type, p_correlation_id,
      p_spec_version, p_data, p_payload, p_error, p_deployment_id, p_workflow_name,
      p_execution_context, p_state_updated_at, p_last_known_event_id, p_random, v_now);
    RETURN;
  END IF;

  -- lock_run(), inlined: one statement takes the run's lock (the same key) and checks the
  -- isolation level, instead of a nested function call with a statement of its own.
  PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || p_run_id, 0))
  WHERE current_setting('transaction_isolation') = 'read committed';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'append_event needs READ COMMITTED isolation, not %',
      current_setting('transaction_isolation');
  END IF;
  -- The marker is read only by a write that carries stateUpdatedAt, in a statement of its own
  -- so that the others do not set up its index scan.
  IF p_state_updated_at IS NULL THEN
    SELECT r.status, r.spec_version,
           (SELECT e.event_id FROM events e WHERE e.run_id = p_run_id
            ORDER BY e.event_id DESC LIMIT 1)
    INTO v_status, v_spec_version, v_last
    FROM runs r WHERE r.run_id = p_run_id;
  ELSE
    SELECT r.status, r.spec_version,
           (SELECT e.event_id FROM events e WHERE e.run_id = p_run_id
            ORDER BY e.event_id DESC LIMIT 1),
           (SELECT ulid_time(e.event_id) FROM events e WHERE e.run_id = p_run_id AND e.external
            ORDER BY e.event_id DESC LIMIT 1)
    INTO v_status, v_spec_version, v_last, v_marker
    FROM runs r WHERE r.run_id = p_run_id;
  END IF;
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
  -- The next id: after the run's newest, on the server clock (see next_event_id). ULID times
  -- are fixed-width base32 in an alphabet in ASCII order, so a later millisecond is a greater
  -- text: the common case (the clock has moved on) needs no decoding.
  v_time := ulid_encode_time(v_now);
  IF v_time > left(right(v_last, 26), 10) COLLATE "C" THEN
    v_id := 'evnt_' || v_time || p_random;
    v_at := from_epoch_ms(v_now);
  ELSE
    v_id := next_event_id(v_last, v_now, p_random);
    v_at := from_epoch_ms(ulid_time(v_id));
  END IF;

  CASE p_event_type
  WHEN 'step_created' THEN
    IF NOT rule_allows('step_created', v_status, NULL, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, NULL, NULL,
                               v_now);
      RETURN;
    END IF;
    INSERT INTO steps (run_id, step_id, step_name, status, input, attempt, created_at,
                       updated_at, spec_version, created_event_id)
    VALUES (p_run_id, p_correlation_id, p_step_name, rule_becomes('step_created'), p_payload, 0,
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
    -- One compare-and-set UPDATE per event type, each naming its type as a literal, so the
    -- planner folds the rules to that type's own and the statement sets only what it changes.
    IF p_event_type = 'step_started' THEN
      UPDATE steps SET status = rule_becomes('step_started'), attempt = attempt + 1,
                       started_at = coalesce(started_at, v_at), retry_after = NULL,
                       updated_at = v_at
      WHERE run_id = p_run_id AND step_id = p_correlation_id
        AND rule_allows('step_started', v_status, status, epoch_ms(retry_after), v_now)
      RETURNING * INTO v_step;
    ELSIF p_event_type = 'step_completed' THEN
      UPDATE steps SET status = rule_becomes('step_completed'), output = p_payload, error = NULL,
                       completed_at = v_at, retry_after = NULL, updated_at = v_at
      WHERE run_id = p_run_id AND step_id = p_correlation_id
        AND rule_allows('step_completed', v_status, status, epoch_ms(retry_after), v_now)
      RETURNING * INTO v_step;
    ELSIF p_event_type = 'step_failed' THEN
      UPDATE steps SET status = rule_becomes('step_failed'), error = p_error,
                       completed_at = v_at, retry_after = NULL, updated_at = v_at
      WHERE run_id = p_run_id AND step_id = p_correlation_id
        AND rule_allows('step_failed', v_status, status, epoch_ms(retry_after), v_now)
      RETURNING * INTO v_step;
    ELSE
      UPDATE steps SET status = rule_becomes('step_retrying'), error = p_error,
                       retry_after = from_epoch_ms(p_retry_after), updated_at = v_at
      WHERE run_id = p_run_id AND step_id = p_correlation_id
        AND rule_allows('step_retrying', v_status, status, epoch_ms(retry_after), v_now)
      RETURNING * INTO v_step;
    END IF;
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
    IF NOT rule_allows('wait_created', v_status, NULL, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status, NULL, NULL,
                               v_now);
      RETURN;
    END IF;
    INSERT INTO waits (run_id, correlation_id, status, resume_at, created_at, updated_at,
                       spec_version)
    VALUES (p_run_id, p_correlation_id, rule_becomes('wait_created'), from_epoch_ms(p_resume_at),
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
    IF NOT rule_allows('wait_completed', v_status, v_wait.status, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_status,
                               v_wait.status, NULL, v_now);
      RETURN;
    END IF;
    UPDATE waits SET status = rule_becomes('wait_completed'), completed_at = v_at, updated_at = v_at
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
  RETURN NEXT ROW(NULL::integer, 'result', NULL::text, NULL::text, 'applied',
    v_id, v_type, p_correlation_id, NULL::integer, NULL::bytea, NULL::bytea, v_holder,
    NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bytea, NULL::bytea, NULL::bytea,
    NULL::bytea, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
    v_step.step_name, v_step.status, v_step.input, v_step.output, v_step.error, v_step.attempt,
    epoch_ms(v_step.started_at), epoch_ms(v_step.completed_at), epoch_ms(v_step.created_at),
    epoch_ms(v_step.updated_at), epoch_ms(v_step.retry_after), v_step.spec_version,
    epoch_ms(v_wait.resume_at), epoch_ms(v_wait.created_at), v_wait.spec_version,
    NULL::text)::append_result;
END $$;
