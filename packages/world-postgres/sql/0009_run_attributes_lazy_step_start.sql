-- Two 5.x features of events.create:
--
-- * Run attributes: a run_created may carry attributes (plain strings, `$parentRunId` and the
--   like); the run keeps them in runs.attributes and every read of the run returns them. They are
--   stored CBOR-encoded like the run's other payload columns (execution_context, input, ...): the
--   client encodes and decodes them with the same codec, they come back exactly as given (key
--   order and all; jsonb would sort the keys and refuse a NUL), and nothing queries inside them.
-- * The lazy step start: a step_started carrying the step's input (its payload, which a plain
--   step_started never has) is the step's create-claim. Under the run's lock, in the one
--   statement every append is, it passes step_created's rules, then writes a synthetic
--   step_created event, the step born running (attempt 1) and its own step_started event; refused,
--   it writes nothing.
--
-- append_event(), append_events() and append_run_event() take the attributes as a new last
-- parameter; in the first two it defaults to NULL, so a call with the 18 parameters of before
-- (an app process not yet upgraded, pgbench scripts) still resolves, to this function. The
-- functions are restated whole: append_event() as 0007 left it, append_run_event() as 0005 did,
-- append_events() as 0002 did, each with the changes above.

ALTER TABLE runs ADD COLUMN attributes bytea;

-- The run's attributes, on every result row that carries the run.
ALTER TYPE append_result ADD ATTRIBUTE rn_attributes bytea;

DROP FUNCTION append_events(text[], text[], text[], integer[], bytea[], bytea[], bytea[], text[],
  boolean[], text[], bigint[], bigint[], text[], text[], bytea[], double precision[], text[],
  text[]);
DROP FUNCTION append_event(text, text, text, integer, bytea, bytea, bytea, text, boolean, text,
  bigint, bigint, text, text, bytea, double precision, text, text);
DROP FUNCTION append_run_event(text, text, text, integer, bytea, bytea, bytea, text, text, bytea,
  double precision, text, text, bigint);

-- events.create; see 0007 for how its common path is kept cheap. p_step_name and
-- p_workflow_name also carry a lazy start's stepName and workflowName; p_attributes is
-- run_created's only.
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
  p_random text,
  p_attributes bytea DEFAULT NULL
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
  v_started_id text;    -- a lazy start's step_started id, after its step_created's (v_id)
  v_started_at timestamptz;
BEGIN
  IF left(p_event_type, 4) = 'run_' THEN
    RETURN QUERY SELECT * FROM append_run_event(p_run_id, p_event_type, p_correlation_id,
      p_spec_version, p_data, p_payload, p_error, p_deployment_id, p_workflow_name,
      p_execution_context, p_state_updated_at, p_last_known_event_id, p_random, v_now,
      p_attributes);
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
      IF p_payload IS NULL THEN
        UPDATE steps SET status = rule_becomes('step_started'), attempt = attempt + 1,
                         started_at = coalesce(started_at, v_at), retry_after = NULL,
                         updated_at = v_at
        WHERE run_id = p_run_id AND step_id = p_correlation_id
          AND rule_allows('step_started', v_status, status, epoch_ms(retry_after), v_now)
        RETURNING * INTO v_step;
      ELSE
        -- A lazy start, the step's create-claim: step_created's rules decide, on the run's
        -- status and then on whether the step exists (whatever its status), so that exactly one
        -- caller creates and runs it. v_id is its synthetic step_created's; its own step_started
        -- follows. The input is stored once, on step_created and the step.
        IF NOT rule_allows('step_created', v_status, NULL, NULL, v_now) THEN
          RETURN NEXT rule_refusal('step_created', p_run_id, p_correlation_id, v_status, NULL,
                                   NULL, v_now);
          RETURN;
        END IF;
        v_started_id := next_event_id(v_id, v_now, p_random);
        v_started_at := from_epoch_ms(ulid_time(v_started_id));
        INSERT INTO steps (run_id, step_id, step_name, status, input, attempt, started_at,
                           created_at, updated_at, spec_version, created_event_id)
        VALUES (p_run_id, p_correlation_id, p_step_name, rule_becomes('step_started'), p_payload,
                1, v_started_at, v_at, v_started_at, p_spec_version, v_id)
        ON CONFLICT (run_id, step_id) DO NOTHING
        RETURNING * INTO v_step;
        IF NOT FOUND THEN
          SELECT status INTO v_entity FROM steps
          WHERE run_id = p_run_id AND step_id = p_correlation_id;
          RETURN NEXT rule_refusal('step_created', p_run_id, p_correlation_id, v_status,
                                   v_entity, NULL, v_now);
          RETURN;
        END IF;
        -- Its eventData without the input (the payload, stored apart as for any step_created)
        -- is {stepName, workflowName?}, built here in CBOR as hook_conflict's is. (This INSERT
        -- leaves FOUND true for the check below.)
        INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version,
                            created_at, data, payload)
        VALUES (p_run_id, v_id, 'step_created', p_correlation_id, p_spec_version, v_at,
                CASE WHEN p_workflow_name IS NULL THEN '\xa1'::bytea ELSE '\xa2'::bytea END
                || cbor_text('stepName') || cbor_text(p_step_name)
                || CASE WHEN p_workflow_name IS NULL THEN ''::bytea
                        ELSE cbor_text('workflowName') || cbor_text(p_workflow_name) END,
                p_payload);
        v_id := v_started_id;
        v_at := v_started_at;
        p_payload := NULL;
      END IF;
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
    NULL::text, NULL::bytea)::append_result;
END $$;

-- The run events (created, started, completed, failed, cancelled): a run's first and last
-- events, and the only ones that may create it (run_created, and run_started carrying the
-- creation data: the resilient start, which carries no attributes). run_started also returns the
-- run's whole log.
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
  p_now bigint,
  p_attributes bytea
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
                      execution_context, attributes, input, created_at, updated_at)
    VALUES (p_run_id, rule_becomes(p_event_type), p_deployment_id, p_workflow_name,
            p_spec_version, p_execution_context, p_attributes, p_payload, v_at, v_at)
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
        NULL::bigint, NULL::bigint, NULL::integer, NULL::text, NULL::bytea
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
    NULL::bigint, NULL::bigint, NULL::integer, NULL::text, v_run.attributes;
END $$;

-- Several appends in one statement and one transaction, in the given order (callers sort them
-- by run, so concurrent batches take the runs' locks in one order). Each append is decided on its
-- own, as append_event() decides it; its rows carry its 1-based position.
CREATE FUNCTION append_events(
  p_run_id text[],
  p_event_type text[],
  p_correlation_id text[],
  p_spec_version integer[],
  p_data bytea[],
  p_payload bytea[],
  p_error bytea[],
  p_token text[],
  p_is_webhook boolean[],
  p_step_name text[],
  p_resume_at bigint[],
  p_retry_after bigint[],
  p_deployment_id text[],
  p_workflow_name text[],
  p_execution_context bytea[],
  p_state_updated_at double precision[],
  p_last_known_event_id text[],
  p_random text[],
  p_attributes bytea[] DEFAULT NULL
) RETURNS SETOF append_result
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_row append_result;
BEGIN
  FOR i IN 1 .. cardinality(p_run_id) LOOP
    FOR v_row IN
      SELECT * FROM append_event(p_run_id[i], p_event_type[i], p_correlation_id[i],
        p_spec_version[i], p_data[i], p_payload[i], p_error[i], p_token[i], p_is_webhook[i],
        p_step_name[i], p_resume_at[i], p_retry_after[i], p_deployment_id[i], p_workflow_name[i],
        p_execution_context[i], p_state_updated_at[i], p_last_known_event_id[i], p_random[i],
        p_attributes[i])
    LOOP
      v_row.batch_index := i;
      RETURN NEXT v_row;
    END LOOP;
  END LOOP;
END $$;
