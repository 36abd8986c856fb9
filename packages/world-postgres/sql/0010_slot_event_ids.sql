-- Slot-numbered event ids (spec 6 and later). A run created at a spec version of at least
-- rule_spec_version_slot_ids() numbers all its events by slot: 'evnt_' and the event's dense
-- 1-based position in its run, zero-padded to 26 digits (slotEventId() of @worldkit/world).
-- Runs of older versions keep ULID ids for their whole life: the choice is made per run, from
-- its stored spec_version (the new run's, for the events that create it).
--
-- The slot is the run's newest event id + 1, allocated where the ULID was, under the run's lock
-- and in the statement that commits the event: a refused write takes no slot, every event of one
-- write takes the next one (run_created and run_started of a resilient start, step_created and
-- step_started of a lazy start), and no slot is ever left empty. Slot ids are fixed-width
-- digits, so they sort as text in slot order: ORDER BY event_id and the fence keep working.
--
-- A slot id carries no time, so an event's time is no longer taken from its id:
-- * a slot run's event is timed by the server clock, read under the run's lock so that a run's
--   events are timed in the order they commit (a ULID run's clock is read there too; its ids
--   still take max(clock, previous id's time));
-- * the stateUpdatedAt guard's marker is the newest external event's created_at (on a ULID run
--   equal to its id's time, which is what created_at always was);
-- * append_result carries each event's time (ev_created_at), so the client reads it rather than
--   decoding the id.
--
-- Restated whole: next_event_id() (0002) with a by_slot parameter; append_event() as 0009 left
-- it; append_run_event() as 0009 left it, which now reads the clock itself under the lock
-- instead of taking it from append_event() before. append_events() (0009) returns the rows of
-- append_event() as they are and stays. append_event() keeps its 19 parameters, the last
-- (p_attributes) defaulting to NULL, so the 18-parameter call still resolves.

ALTER TYPE append_result ADD ATTRIBUTE ev_created_at bigint;

DROP FUNCTION append_run_event(text, text, text, integer, bytea, bytea, bytea, text, text, bytea,
  double precision, text, text, bigint, bytea);
DROP FUNCTION next_event_id(text, bigint, text);

-- The id of a run's next event, after `previous` (the run's newest; NULL for its first). A slot
-- run's is the next slot (nextSlotEventId() of @worldkit/world); a slot run's newest id is
-- always a slot id, and anything else fails the cast rather than number the run anew. A ULID
-- run's is nextEventId()'s: time = max(now, previous time); within the previous id's
-- millisecond the random part counts up, and when it is exhausted the id moves to the next
-- millisecond. `random` is 16 fresh base32 characters.
CREATE FUNCTION next_event_id(previous text, now_ms bigint, random text, by_slot boolean)
RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  alphabet CONSTANT text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  previous_ms bigint;
  tail text;
  pos integer;
  digit integer;
BEGIN
  IF by_slot THEN
    RETURN 'evnt_' || lpad((coalesce(right(previous, 26)::bigint, 0) + 1)::text, 26, '0');
  END IF;
  IF previous IS NULL THEN
    RETURN 'evnt_' || ulid_encode_time(now_ms) || random;
  END IF;
  previous_ms := ulid_time(previous);
  IF now_ms > previous_ms THEN
    RETURN 'evnt_' || ulid_encode_time(now_ms) || random;
  END IF;
  tail := right(previous, 16);
  pos := 16;
  WHILE pos >= 1 LOOP
    digit := strpos(alphabet, substr(tail, pos, 1)) - 1;
    IF digit < 31 THEN
      tail := overlay(tail PLACING substr(alphabet, digit + 2, 1) FROM pos FOR 1);
      RETURN 'evnt_' || ulid_encode_time(previous_ms) || tail;
    END IF;
    tail := overlay(tail PLACING '0' FROM pos FOR 1);
    pos := pos - 1;
  END LOOP;
  RETURN 'evnt_' || ulid_encode_time(previous_ms + 1) || random;
END $$;

-- The time of an event next_event_id() numbered: a ULID's own, or for a slot id (which carries
-- none) the clock. A single expression, inlined by the planner.
CREATE FUNCTION event_time(id text, now_ms bigint, by_slot boolean) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN from_epoch_ms(CASE WHEN by_slot THEN now_ms ELSE ulid_time(id) END);

-- events.create; see 0007 for how its common path is kept cheap. p_step_name and
-- p_workflow_name also carry a lazy start's stepName and workflowName; p_attributes is
-- run_created's only. A ULID run's common path is as it was (the clock and the run's numbering
-- are two more columns of the query that reads the run); a slot run allocates in the ELSE.
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
  p_random text,
  p_attributes bytea DEFAULT NULL
) RETURNS SETOF append_result
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_now bigint;         -- the server clock, read under the run's lock
  v_status text;        -- the run's status
  v_spec_version integer;
  v_by_slot boolean;    -- whether the run numbers its events by slot (its spec version)
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
      p_execution_context, p_state_updated_at, p_last_known_event_id, p_random, p_attributes);
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
  -- so that the others do not set up its index scan. The clock is read here, under the lock, so
  -- that a run's events are timed in the order they commit.
  IF p_state_updated_at IS NULL THEN
    SELECT epoch_ms(clock_timestamp()), r.status, r.spec_version,
           r.spec_version >= rule_spec_version_slot_ids(),
           (SELECT e.event_id FROM events e WHERE e.run_id = p_run_id
            ORDER BY e.event_id DESC LIMIT 1)
    INTO v_now, v_status, v_spec_version, v_by_slot, v_last
    FROM runs r WHERE r.run_id = p_run_id;
  ELSE
    SELECT epoch_ms(clock_timestamp()), r.status, r.spec_version,
           r.spec_version >= rule_spec_version_slot_ids(),
           (SELECT e.event_id FROM events e WHERE e.run_id = p_run_id
            ORDER BY e.event_id DESC LIMIT 1),
           (SELECT epoch_ms(e.created_at) FROM events e WHERE e.run_id = p_run_id AND e.external
            ORDER BY e.event_id DESC LIMIT 1)
    INTO v_now, v_status, v_spec_version, v_by_slot, v_last, v_marker
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
  -- The next id: after the run's newest (see next_event_id). On a ULID run, ULID times are
  -- fixed-width base32 in an alphabet in ASCII order, so a later millisecond is a greater text:
  -- the common case (the clock has moved on) needs no decoding and no call. A slot run takes the
  -- next slot, and the event is timed by the clock.
  v_time := ulid_encode_time(v_now);
  IF NOT v_by_slot AND v_time > left(right(v_last, 26), 10) COLLATE "C" THEN
    v_id := 'evnt_' || v_time || p_random;
    v_at := from_epoch_ms(v_now);
  ELSE
    v_id := next_event_id(v_last, v_now, p_random, v_by_slot);
    v_at := event_time(v_id, v_now, v_by_slot);
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
        v_started_id := next_event_id(v_id, v_now, p_random, v_by_slot);
        v_started_at := event_time(v_started_id, v_now, v_by_slot);
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
    NULL::text, NULL::bytea, epoch_ms(v_at))::append_result;
END $$;

-- The run events (created, started, completed, failed, cancelled): a run's first and last
-- events, and the only ones that may create it (run_created, and run_started carrying the
-- creation data: the resilient start, which carries no attributes). run_started also returns the
-- run's whole log, each event with its time.
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
  p_attributes bytea
) RETURNS SETOF append_result
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_now bigint;         -- the server clock, read under the run's lock
  v_run runs%ROWTYPE;
  v_by_slot boolean;    -- whether the run numbers its events by slot (its spec version)
  v_out append_result;
  v_bootstrapped boolean := false;
  v_last text;          -- the run's newest event id, advanced by every append below
  v_marker bigint;      -- the guard's marker
  v_at timestamptz;     -- time of the event being appended
  v_unchanged boolean := false;
BEGIN
  PERFORM lock_run(p_run_id);
  v_now := epoch_ms(clock_timestamp());
  SELECT * INTO v_run FROM runs WHERE run_id = p_run_id;
  -- The run's numbering follows its stored spec version, or the new run's for the events that
  -- create it (runSpecVersion() of the reference).
  v_by_slot := coalesce(v_run.spec_version, p_spec_version) >= rule_spec_version_slot_ids();
  IF p_event_type = 'run_created' THEN
    -- Its own rule comes before the fences: a run that exists cannot be fenced as new.
    v_out := coalesce(
      rule_refusal(p_event_type, p_run_id, p_correlation_id, v_run.status, v_run.status, NULL,
                   v_now),
      run_refusal(p_run_id, NULL, NULL, NULL, p_state_updated_at, p_last_known_event_id));
    IF v_out.code IS NOT NULL THEN
      RETURN NEXT v_out;
      RETURN;
    END IF;
    v_last := next_event_id(NULL, v_now, p_random, v_by_slot);
    v_at := event_time(v_last, v_now, v_by_slot);
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
    IF v_run.run_id IS NULL THEN
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
      v_last := next_event_id(NULL, v_now, p_random, v_by_slot);
      v_at := event_time(v_last, v_now, v_by_slot);
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
               (SELECT epoch_ms(e.created_at) FROM events e WHERE e.run_id = p_run_id AND e.external
                ORDER BY e.event_id DESC LIMIT 1) END
      INTO v_last, v_marker;
      v_out := run_refusal(p_run_id, v_run.spec_version, v_marker, v_last, p_state_updated_at,
                           p_last_known_event_id);
      IF v_out.code IS NOT NULL THEN
        RETURN NEXT v_out;
        RETURN;
      END IF;
    END IF;

    IF NOT rule_allows(p_event_type, v_run.status, v_run.status, NULL, v_now) THEN
      RETURN NEXT rule_refusal(p_event_type, p_run_id, p_correlation_id, v_run.status,
                               v_run.status, NULL, v_now);
      RETURN;
    END IF;
    v_unchanged := rule_unchanged(p_event_type, v_run.status, v_run.status);
    IF NOT v_unchanged THEN
      v_last := next_event_id(v_last, v_now, p_random, v_by_slot);
      v_at := event_time(v_last, v_now, v_by_slot);
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
        NULL::bigint, NULL::bigint, NULL::integer, NULL::text, NULL::bytea, epoch_ms(e.created_at)
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
    NULL::bigint, NULL::bigint, NULL::integer, NULL::text, v_run.attributes,
    CASE WHEN v_unchanged THEN NULL ELSE epoch_ms(v_at) END;
END $$;
