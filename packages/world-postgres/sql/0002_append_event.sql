-- events.create in one statement: append_event() locks the run, applies the transition rules of
-- the reference state machine (@worldkit/world transition()), appends the event(s) and updates the
-- entities, all in the caller's single transaction. Refusals are returned as data (a rejection
-- code the client maps back to the typed error), and every check runs before the first write, so
-- a refused create leaves nothing behind.

-- ULIDs: Crockford base32, 10 characters of epoch ms then 16 of randomness. Single
-- expressions, so the planner inlines them into the statements that use them.
CREATE FUNCTION ulid_encode_time(ms bigint) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 45) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 40) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 35) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 30) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 25) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 20) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 15) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 10) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> 5) & 31)::int + 1, 1)
      || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (ms & 31)::int + 1, 1);

-- Epoch ms of a prefixed ULID id (the ULID is what follows the last "_").
CREATE FUNCTION ulid_time(id text) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 1, 1)) - 1)::bigint << 45)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 2, 1)) - 1)::bigint << 40)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 3, 1)) - 1)::bigint << 35)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 4, 1)) - 1)::bigint << 30)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 5, 1)) - 1)::bigint << 25)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 6, 1)) - 1)::bigint << 20)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 7, 1)) - 1)::bigint << 15)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 8, 1)) - 1)::bigint << 10)
       | ((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 9, 1)) - 1)::bigint << 5)
       | (strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(id, 26), 10, 1)) - 1)::bigint;

-- The next event id of a run, as nextEventId() of @worldkit/world: time = max(now, previous
-- time); within the previous id's millisecond the random part counts up, and when it is
-- exhausted the id moves to the next millisecond. `random` is 16 fresh base32 characters.
CREATE FUNCTION next_event_id(previous text, now_ms bigint, random text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  alphabet CONSTANT text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  previous_ms bigint;
  tail text;
  pos integer;
  digit integer;
BEGIN
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

-- A CBOR text string (major type 3), to build the one event body the server writes itself.
CREATE FUNCTION cbor_text(value text) RETURNS bytea
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (
    SELECT CASE
      WHEN length(b) < 24 THEN set_byte('\x00'::bytea, 0, 96 + length(b))
      WHEN length(b) < 256 THEN '\x78'::bytea || set_byte('\x00'::bytea, 0, length(b))
      ELSE '\x7a'::bytea || int4send(length(b))
    END || b
    FROM (SELECT convert_to(value, 'UTF8') AS b) AS encoded
  );

-- Payload-carrying parameters arrive CBOR-encoded from the client (p_data: eventData without its
-- payload field; p_payload: that field; p_error: the normalized structured error). Scalars the
-- rules or entities need arrive as separate parameters. Dates are epoch ms.
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
) RETURNS TABLE (
  row_kind text,                 -- 'event': a row of the preloaded log; 'result': the outcome
  code text,                     -- rejection code, NULL when applied or unchanged
  message text,
  retry_after_s integer,         -- TOO_EARLY
  fence_actual text,             -- FENCE_CONFLICT: the run's newest event id
  outcome text,                  -- 'applied' | 'unchanged'
  ev_id text,
  ev_type text,
  ev_correlation_id text,
  ev_spec_version integer,
  ev_data bytea,
  ev_payload bytea,
  conflicting_run_id text,
  rn_status text,
  rn_deployment_id text,
  rn_workflow_name text,
  rn_spec_version integer,
  rn_execution_context bytea,
  rn_input bytea,
  rn_output bytea,
  rn_error bytea,
  rn_created_at bigint,
  rn_updated_at bigint,
  rn_started_at bigint,
  rn_completed_at bigint,
  st_name text,
  st_status text,
  st_input bytea,
  st_output bytea,
  st_error bytea,
  st_attempt integer,
  st_started_at bigint,
  st_completed_at bigint,
  st_created_at bigint,
  st_updated_at bigint,
  st_retry_after bigint,
  st_spec_version integer,
  wt_resume_at bigint,
  wt_created_at bigint,
  wt_spec_version integer
)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_now CONSTANT bigint := epoch_ms(clock_timestamp());
  v_run runs%ROWTYPE;
  v_step steps%ROWTYPE;
  v_wait waits%ROWTYPE;
  v_bootstrapped boolean := false;
  v_terminal boolean;
  v_last text;          -- the run's newest event id, advanced by every append below
  v_at timestamptz;     -- time of the event being appended
  v_holder text;        -- run holding the requested hook token
  v_type text := p_event_type;
  v_with_run boolean := false;
  v_with_step boolean := false;
  v_with_log boolean := false;
  v_marks boolean := false;
BEGIN
  row_kind := 'result';

  IF p_event_type = 'run_created' THEN
    -- An existing run is a conflict before it is a fence failure (the reference's order).
    IF p_last_known_event_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM runs WHERE run_id = p_run_id) THEN
      code := 'FENCE_CONFLICT'; RETURN NEXT; RETURN;
    END IF;
    v_last := next_event_id(NULL, v_now, p_random);
    v_at := from_epoch_ms(ulid_time(v_last));
    IF p_last_known_event_id IS NULL THEN
      INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version,
                        execution_context, input, created_at, updated_at, last_event_id)
      VALUES (p_run_id, 'pending', p_deployment_id, p_workflow_name, p_spec_version,
              p_execution_context, p_payload, v_at, v_at, v_last)
      ON CONFLICT (run_id) DO NOTHING
      RETURNING * INTO v_run;
    END IF;
    IF v_run.run_id IS NULL THEN
      code := 'CONFLICT'; message := format('run %s already exists', p_run_id);
      RETURN NEXT; RETURN;
    END IF;
    INSERT INTO events VALUES (p_run_id, v_last, 'run_created', p_correlation_id, p_spec_version,
                               v_at, p_data, p_payload);
    v_with_run := true;
  ELSE
    SELECT * INTO v_run FROM runs WHERE run_id = p_run_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
      -- Resilient start: a run_started carrying the creation data creates the run first.
      IF p_event_type <> 'run_started' OR p_deployment_id IS NULL THEN
        code := 'RUN_NOT_FOUND'; RETURN NEXT; RETURN;
      END IF;
      IF p_last_known_event_id IS NOT NULL THEN
        code := 'FENCE_CONFLICT'; RETURN NEXT; RETURN;
      END IF;
      v_last := next_event_id(NULL, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version,
                        execution_context, input, created_at, updated_at, last_event_id)
      VALUES (p_run_id, 'pending', p_deployment_id, p_workflow_name, p_spec_version,
              p_execution_context, p_payload, v_at, v_at, v_last)
      ON CONFLICT (run_id) DO NOTHING
      RETURNING * INTO v_run;
      IF FOUND THEN
        INSERT INTO events VALUES (p_run_id, v_last, 'run_created', NULL, p_spec_version, v_at,
                                   p_data, p_payload);
        v_bootstrapped := true;
      ELSE
        -- A concurrent run_created won: continue against the run it committed.
        SELECT * INTO v_run FROM runs WHERE run_id = p_run_id FOR NO KEY UPDATE;
      END IF;
    END IF;

    IF NOT v_bootstrapped THEN
      IF v_run.spec_version > 3 THEN
        code := 'RUN_NOT_SUPPORTED'; rn_spec_version := v_run.spec_version;
        RETURN NEXT; RETURN;
      END IF;
      IF p_state_updated_at IS NOT NULL AND v_run.external_marker IS NOT NULL
         AND p_state_updated_at < v_run.external_marker THEN
        code := 'PRECONDITION_FAILED';
        message := format('run %s received an external event at %s, after the writer''s snapshot at %s',
                          p_run_id, v_run.external_marker, p_state_updated_at);
        RETURN NEXT; RETURN;
      END IF;
      IF p_last_known_event_id IS NOT NULL AND p_last_known_event_id <> v_run.last_event_id THEN
        code := 'FENCE_CONFLICT'; fence_actual := v_run.last_event_id; RETURN NEXT; RETURN;
      END IF;
      v_last := v_run.last_event_id;
    END IF;
    v_terminal := v_run.status IN ('completed', 'failed', 'cancelled');

    CASE p_event_type
    WHEN 'run_started' THEN
      IF v_terminal THEN
        code := 'RUN_EXPIRED'; message := format('run %s is already %s', p_run_id, v_run.status);
        RETURN NEXT; RETURN;
      END IF;
      v_with_run := true;
      v_with_log := true;
      IF v_run.status = 'running' THEN
        outcome := 'unchanged';
      ELSE
        v_last := next_event_id(v_last, v_now, p_random);
        v_at := from_epoch_ms(ulid_time(v_last));
        INSERT INTO events VALUES (p_run_id, v_last, 'run_started', p_correlation_id,
                                   p_spec_version, v_at, NULL, NULL);
        UPDATE runs SET status = 'running', started_at = coalesce(started_at, v_at),
                        updated_at = v_at, last_event_id = v_last
        WHERE run_id = p_run_id RETURNING * INTO v_run;
      END IF;

    WHEN 'run_completed', 'run_failed', 'run_cancelled' THEN
      IF p_event_type = 'run_cancelled' AND v_run.status = 'cancelled' THEN
        outcome := 'unchanged';
        v_with_run := true;
      ELSIF v_terminal THEN
        code := 'CONFLICT'; message := format('run %s is already %s', p_run_id, v_run.status);
        RETURN NEXT; RETURN;
      ELSE
        v_last := next_event_id(v_last, v_now, p_random);
        v_at := from_epoch_ms(ulid_time(v_last));
        INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                   p_spec_version, v_at, p_data, p_payload);
        UPDATE runs SET status = CASE p_event_type WHEN 'run_completed' THEN 'completed'
                                                   WHEN 'run_failed' THEN 'failed'
                                                   ELSE 'cancelled' END,
                        output = CASE WHEN p_event_type = 'run_completed' THEN p_payload END,
                        error = CASE WHEN p_event_type = 'run_failed' THEN p_error END,
                        completed_at = v_at, updated_at = v_at, last_event_id = v_last
        WHERE run_id = p_run_id RETURNING * INTO v_run;
        -- A terminal run releases its hook tokens and drops its waits.
        DELETE FROM hooks WHERE run_id = p_run_id;
        DELETE FROM waits WHERE run_id = p_run_id;
        v_with_run := true;
      END IF;

    WHEN 'step_created' THEN
      IF v_terminal THEN
        code := 'CONFLICT'; message := format('run %s is already %s', p_run_id, v_run.status);
        RETURN NEXT; RETURN;
      END IF;
      v_last := next_event_id(v_last, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      -- The insert is the existence check: when the step exists, nothing was written.
      INSERT INTO steps (run_id, step_id, step_name, status, input, attempt, created_at,
                         updated_at, spec_version, created_event_id)
      VALUES (p_run_id, p_correlation_id, p_step_name, 'pending', p_payload, 0, v_at, v_at,
              p_spec_version, v_last)
      ON CONFLICT (run_id, step_id) DO NOTHING;
      IF NOT FOUND THEN
        code := 'CONFLICT';
        message := format('step %s already exists in run %s', p_correlation_id, p_run_id);
        RETURN NEXT; RETURN;
      END IF;
      INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                 p_spec_version, v_at, p_data, p_payload);
      -- The caller holds the step it asked for; only its times come back.
      st_created_at := epoch_ms(v_at);

    WHEN 'step_started', 'step_completed', 'step_failed', 'step_retrying' THEN
      v_last := next_event_id(v_last, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      -- One guarded update applies the transition when every rule allows it (a compare-and-set
      -- on the step's status); only when it matches nothing is the step read to say why.
      UPDATE steps SET
        status = CASE p_event_type WHEN 'step_started' THEN 'running'
                                   WHEN 'step_completed' THEN 'completed'
                                   WHEN 'step_failed' THEN 'failed'
                                   ELSE 'pending' END,
        attempt = attempt + CASE WHEN p_event_type = 'step_started' THEN 1 ELSE 0 END,
        started_at = CASE WHEN p_event_type = 'step_started' THEN coalesce(started_at, v_at)
                          ELSE started_at END,
        output = CASE WHEN p_event_type = 'step_completed' THEN p_payload ELSE output END,
        error = CASE p_event_type WHEN 'step_completed' THEN NULL
                                  WHEN 'step_started' THEN error
                                  ELSE p_error END,
        completed_at = CASE WHEN p_event_type IN ('step_completed', 'step_failed') THEN v_at
                            ELSE completed_at END,
        retry_after = CASE WHEN p_event_type = 'step_retrying' THEN from_epoch_ms(p_retry_after) END,
        updated_at = v_at
      WHERE run_id = p_run_id AND step_id = p_correlation_id
        AND status NOT IN ('completed', 'failed', 'cancelled')
        -- Once the run is terminal, only a step already running may still start over or fail.
        AND (p_event_type NOT IN ('step_started', 'step_failed') OR NOT v_terminal
             OR status = 'running')
        AND (p_event_type <> 'step_started' OR retry_after IS NULL
             OR epoch_ms(retry_after) <= v_now)
      RETURNING * INTO v_step;
      IF NOT FOUND THEN
        SELECT * INTO v_step FROM steps WHERE run_id = p_run_id AND step_id = p_correlation_id;
        IF NOT FOUND THEN
          code := 'NOT_FOUND'; message := 'step';
        ELSIF v_step.status IN ('completed', 'failed', 'cancelled') THEN
          code := 'CONFLICT';
          message := format('step %s is already %s', p_correlation_id, v_step.status);
        ELSIF p_event_type IN ('step_started', 'step_failed') AND v_terminal
              AND v_step.status <> 'running' THEN
          code := 'RUN_EXPIRED';
          message := format('run %s is %s; step %s is %s', p_run_id, v_run.status,
                            p_correlation_id, v_step.status);
        ELSE
          code := 'TOO_EARLY';
          retry_after_s := greatest(1, ceil((epoch_ms(v_step.retry_after) - v_now) / 1000.0));
          message := format('step %s may not start before %s', p_correlation_id,
                            to_char(v_step.retry_after AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
        END IF;
        RETURN NEXT; RETURN;
      END IF;
      INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                 p_spec_version, v_at, p_data, p_payload);
      v_with_step := true;
      v_marks := p_event_type = 'step_completed';

    WHEN 'hook_created' THEN
      IF v_terminal THEN
        code := 'CONFLICT'; message := format('run %s is already %s', p_run_id, v_run.status);
        RETURN NEXT; RETURN;
      END IF;
      IF EXISTS (SELECT 1 FROM events WHERE run_id = p_run_id AND correlation_id = p_correlation_id
                   AND event_type = 'hook_created')
         OR EXISTS (SELECT 1 FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id) THEN
        code := 'CONFLICT';
        message := format('hook %s already exists in run %s', p_correlation_id, p_run_id);
        RETURN NEXT; RETURN;
      END IF;
      v_last := next_event_id(v_last, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      SELECT run_id INTO v_holder FROM hooks WHERE md5(token) = md5(p_token);
      IF NOT FOUND THEN
        INSERT INTO hooks (run_id, hook_id, token, metadata, is_webhook, spec_version, created_at,
                           created_event_id)
        VALUES (p_run_id, p_correlation_id, p_token, p_payload, coalesce(p_is_webhook, false),
                p_spec_version, v_at, v_last)
        ON CONFLICT ((md5(token))) DO NOTHING;
        IF NOT FOUND THEN
          -- Another run claimed the token after the lookup above.
          SELECT run_id INTO v_holder FROM hooks WHERE md5(token) = md5(p_token);
        END IF;
      END IF;
      IF v_holder IS NOT NULL THEN
        -- A token held by any other hook is a conflict the runtime must see as an event.
        v_type := 'hook_conflict';
        conflicting_run_id := v_holder;
        INSERT INTO events VALUES (p_run_id, v_last, 'hook_conflict', p_correlation_id,
          p_spec_version, v_at,
          '\xa2'::bytea || cbor_text('token') || cbor_text(p_token)
            || cbor_text('conflictingRunId') || cbor_text(v_holder),
          NULL);
      ELSE
        INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                   p_spec_version, v_at, p_data, p_payload);
      END IF;

    WHEN 'hook_received', 'hook_disposed' THEN
      IF p_event_type = 'hook_disposed' THEN
        DELETE FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id;
      ELSE
        PERFORM FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id;
      END IF;
      IF NOT FOUND THEN
        code := 'HOOK_NOT_FOUND'; RETURN NEXT; RETURN;
      END IF;
      v_last := next_event_id(v_last, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                 p_spec_version, v_at, p_data, p_payload);
      v_marks := p_event_type = 'hook_received';

    WHEN 'wait_created' THEN
      IF v_terminal THEN
        code := 'CONFLICT'; message := format('run %s is already %s', p_run_id, v_run.status);
        RETURN NEXT; RETURN;
      END IF;
      v_last := next_event_id(v_last, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO waits (run_id, correlation_id, status, resume_at, created_at, updated_at,
                         spec_version)
      VALUES (p_run_id, p_correlation_id, 'waiting', from_epoch_ms(p_resume_at), v_at, v_at,
              p_spec_version)
      ON CONFLICT (run_id, correlation_id) DO NOTHING;
      IF NOT FOUND THEN
        code := 'CONFLICT';
        message := format('wait %s-%s already exists in run %s', p_run_id, p_correlation_id, p_run_id);
        RETURN NEXT; RETURN;
      END IF;
      INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                 p_spec_version, v_at, p_data, p_payload);

    WHEN 'wait_completed' THEN
      SELECT * INTO v_wait FROM waits WHERE run_id = p_run_id AND correlation_id = p_correlation_id;
      IF NOT FOUND THEN
        code := 'NOT_FOUND'; message := 'wait'; RETURN NEXT; RETURN;
      END IF;
      IF v_wait.status = 'completed' THEN
        code := 'CONFLICT';
        message := format('wait %s-%s is already completed', p_run_id, p_correlation_id);
        RETURN NEXT; RETURN;
      END IF;
      v_last := next_event_id(v_last, v_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO events VALUES (p_run_id, v_last, p_event_type, p_correlation_id,
                                 p_spec_version, v_at, p_data, p_payload);
      UPDATE waits SET status = 'completed', completed_at = v_at, updated_at = v_at
      WHERE run_id = p_run_id AND correlation_id = p_correlation_id AND status = 'waiting';
      wt_resume_at := epoch_ms(v_wait.resume_at);
      wt_created_at := epoch_ms(v_wait.created_at);
      wt_spec_version := v_wait.spec_version;

    ELSE
      code := 'INVALID_EVENT_TYPE'; message := p_event_type; RETURN NEXT; RETURN;
    END CASE;

    -- Every append advances the fence; unguarded external events also move the guard's marker.
    IF NOT v_with_run AND outcome IS NULL THEN
      UPDATE runs SET last_event_id = v_last,
                      external_marker = CASE WHEN v_marks AND p_state_updated_at IS NULL
                                             THEN ulid_time(v_last) ELSE external_marker END
      WHERE run_id = p_run_id;
    END IF;
  END IF;

  IF v_with_log THEN
    FOR ev_id, ev_type, ev_correlation_id, ev_spec_version, ev_data, ev_payload IN
      SELECT e.event_id, e.event_type, e.correlation_id, e.spec_version, e.data, e.payload
      FROM events e WHERE e.run_id = p_run_id ORDER BY e.event_id
    LOOP
      row_kind := 'event';
      RETURN NEXT;
    END LOOP;
    row_kind := 'result';
  END IF;

  outcome := coalesce(outcome, 'applied');
  IF outcome = 'applied' THEN
    ev_id := v_last;
    ev_type := v_type;
    ev_correlation_id := p_correlation_id;
  ELSE
    ev_id := NULL; ev_type := NULL; ev_correlation_id := NULL;
  END IF;
  ev_spec_version := NULL; ev_data := NULL; ev_payload := NULL;
  IF v_with_run THEN
    rn_status := v_run.status;
    rn_deployment_id := v_run.deployment_id;
    rn_workflow_name := v_run.workflow_name;
    rn_spec_version := v_run.spec_version;
    rn_execution_context := v_run.execution_context;
    rn_input := v_run.input;
    rn_output := v_run.output;
    rn_error := v_run.error;
    rn_created_at := epoch_ms(v_run.created_at);
    rn_updated_at := epoch_ms(v_run.updated_at);
    rn_started_at := epoch_ms(v_run.started_at);
    rn_completed_at := epoch_ms(v_run.completed_at);
  END IF;
  IF v_with_step THEN
    st_name := v_step.step_name;
    st_status := v_step.status;
    st_input := v_step.input;
    st_output := v_step.output;
    st_error := v_step.error;
    st_attempt := v_step.attempt;
    st_started_at := epoch_ms(v_step.started_at);
    st_completed_at := epoch_ms(v_step.completed_at);
    st_created_at := epoch_ms(v_step.created_at);
    st_updated_at := epoch_ms(v_step.updated_at);
    st_retry_after := epoch_ms(v_step.retry_after);
    st_spec_version := v_step.spec_version;
  END IF;
  RETURN NEXT;
END $$;
