-- events.create in one statement: append_event() serializes the run's writers, applies the
-- transition rules of the reference state machine (@worldkit/world transition()), appends the
-- event(s) and updates the entities, all in the caller's single transaction. Refusals are returned as data (a rejection
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

-- What append_event() returns: rows of kind 'event' (the preloaded log of a run_started), then
-- one row of kind 'result': a rejection code, or the outcome with what only the database knows
-- (the new event id, and the run, step or wait as stored). Times are epoch ms.
CREATE TYPE append_result AS (
  batch_index integer,           -- position in an append_events() batch (1-based)
  row_kind text,
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
);

-- A refusal: the result row carrying only its code and message.
CREATE FUNCTION refusal(p_code text, p_message text DEFAULT NULL) RETURNS append_result
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  v_out append_result;
BEGIN
  v_out.row_kind := 'result';
  v_out.code := p_code;
  v_out.message := p_message;
  RETURN v_out;
END $$;

-- The run-level rules every event passes before its own (the reference's order): the run's spec
-- version, the stateUpdatedAt guard (p_marker: epoch ms of the newest externally originated
-- event), then the lastKnownEventId fence (p_last: the newest event id). NULL when they pass.
CREATE FUNCTION run_refusal(p_run_id text, p_spec_version integer, p_marker bigint, p_last text,
                            p_state_updated_at double precision, p_last_known_event_id text)
RETURNS append_result
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  v_out append_result;
BEGIN
  IF p_spec_version > 3 THEN
    v_out := refusal('RUN_NOT_SUPPORTED');
    v_out.rn_spec_version := p_spec_version;
  ELSIF p_state_updated_at IS NOT NULL AND p_marker IS NOT NULL
        AND p_state_updated_at < p_marker THEN
    v_out := refusal('PRECONDITION_FAILED',
      format('run %s received an external event at %s, after the writer''s snapshot at %s',
             p_run_id, p_marker, p_state_updated_at));
  ELSIF p_last_known_event_id IS NOT NULL AND p_last_known_event_id <> p_last THEN
    v_out := refusal('FENCE_CONFLICT');
    v_out.fence_actual := p_last;
  ELSE
    RETURN NULL;
  END IF;
  RETURN v_out;
END $$;

-- Serializes the writers of one run for the rest of the transaction. An advisory lock (keyed by
-- schema and run id, 64-bit) instead of a row lock: it writes nothing, so an append that touches
-- a step, hook or wait never rewrites the run's row. Reads after it see every earlier append,
-- because each statement of a READ COMMITTED transaction takes a fresh snapshot.
CREATE FUNCTION lock_run(p_run_id text) RETURNS void
  LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'append_event needs READ COMMITTED isolation, not %',
      current_setting('transaction_isolation');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || p_run_id, 0));
END $$;

-- events.create. Payload-carrying parameters arrive CBOR-encoded from the client (p_data:
-- eventData without its payload field; p_payload: that field; p_error: the normalized structured
-- error); scalars the rules or entities need arrive as separate parameters; dates are epoch ms.
--
-- PL/pgSQL rebuilds the state of each expression it evaluates once per transaction, and every
-- call is its own transaction, so the common path (step, hook and wait events) keeps its
-- expressions few: one statement reads and locks the run, one writes the entity, one the event,
-- one advances the run's fence, and one builds the result.
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
    IF v_status IN ('completed', 'failed', 'cancelled') THEN
      RETURN NEXT refusal('CONFLICT', format('run %s is already %s', p_run_id, v_status));
      RETURN;
    END IF;
    -- The insert is the existence check: when the step exists, nothing was written.
    INSERT INTO steps (run_id, step_id, step_name, status, input, attempt, created_at,
                       updated_at, spec_version, created_event_id)
    VALUES (p_run_id, p_correlation_id, p_step_name, 'pending', p_payload, 0, v_at, v_at,
            p_spec_version, v_id)
    ON CONFLICT (run_id, step_id) DO NOTHING;
    IF NOT FOUND THEN
      RETURN NEXT refusal('CONFLICT',
        format('step %s already exists in run %s', p_correlation_id, p_run_id));
      RETURN;
    END IF;

  WHEN 'step_started', 'step_completed', 'step_failed', 'step_retrying' THEN
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
      AND (p_event_type NOT IN ('step_started', 'step_failed')
           OR v_status NOT IN ('completed', 'failed', 'cancelled') OR status = 'running')
      AND (p_event_type <> 'step_started' OR retry_after IS NULL
           OR epoch_ms(retry_after) <= v_now)
    RETURNING * INTO v_step;
    IF NOT FOUND THEN
      RETURN NEXT step_refusal(p_run_id, p_correlation_id, p_event_type, v_status, v_now);
      RETURN;
    END IF;

  WHEN 'hook_created' THEN
    IF v_status IN ('completed', 'failed', 'cancelled') THEN
      RETURN NEXT refusal('CONFLICT', format('run %s is already %s', p_run_id, v_status));
      RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM events WHERE run_id = p_run_id AND correlation_id = p_correlation_id
                 AND event_type = 'hook_created')
       OR EXISTS (SELECT 1 FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id) THEN
      RETURN NEXT refusal('CONFLICT',
        format('hook %s already exists in run %s', p_correlation_id, p_run_id));
      RETURN;
    END IF;
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

  WHEN 'hook_received' THEN
    PERFORM FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id;
    IF NOT FOUND THEN
      RETURN NEXT refusal('HOOK_NOT_FOUND');
      RETURN;
    END IF;

  WHEN 'hook_disposed' THEN
    DELETE FROM hooks WHERE run_id = p_run_id AND hook_id = p_correlation_id;
    IF NOT FOUND THEN
      RETURN NEXT refusal('HOOK_NOT_FOUND');
      RETURN;
    END IF;

  WHEN 'wait_created' THEN
    IF v_status IN ('completed', 'failed', 'cancelled') THEN
      RETURN NEXT refusal('CONFLICT', format('run %s is already %s', p_run_id, v_status));
      RETURN;
    END IF;
    INSERT INTO waits (run_id, correlation_id, status, resume_at, created_at, updated_at,
                       spec_version)
    VALUES (p_run_id, p_correlation_id, 'waiting', from_epoch_ms(p_resume_at), v_at, v_at,
            p_spec_version)
    ON CONFLICT (run_id, correlation_id) DO NOTHING;
    IF NOT FOUND THEN
      RETURN NEXT refusal('CONFLICT',
        format('wait %s-%s already exists in run %s', p_run_id, p_correlation_id, p_run_id));
      RETURN;
    END IF;

  WHEN 'wait_completed' THEN
    SELECT * INTO v_wait FROM waits WHERE run_id = p_run_id AND correlation_id = p_correlation_id;
    IF NOT FOUND THEN
      RETURN NEXT refusal('NOT_FOUND', 'wait');
      RETURN;
    END IF;
    IF v_wait.status = 'completed' THEN
      RETURN NEXT refusal('CONFLICT',
        format('wait %s-%s is already completed', p_run_id, p_correlation_id));
      RETURN;
    END IF;
    UPDATE waits SET status = 'completed', completed_at = v_at, updated_at = v_at
    WHERE run_id = p_run_id AND correlation_id = p_correlation_id AND status = 'waiting';

  ELSE
    RETURN NEXT refusal('INVALID_EVENT_TYPE', p_event_type);
    RETURN;
  END CASE;

  -- The new event is the run's newest, which is the fence; an unguarded external event is also
  -- the guard's new marker.
  INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version, created_at,
                      data, payload, external)
  VALUES (p_run_id, v_id, v_type, p_correlation_id, p_spec_version, v_at, p_data, p_payload,
          p_state_updated_at IS NULL AND v_type IN ('hook_received', 'step_completed'));
  RETURN QUERY SELECT NULL::integer, 'result', NULL::text, NULL::text, NULL::integer, NULL::text, 'applied',
    v_id, v_type, p_correlation_id, NULL::integer, NULL::bytea, NULL::bytea, v_holder,
    NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bytea, NULL::bytea, NULL::bytea,
    NULL::bytea, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
    v_step.step_name, v_step.status, v_step.input, v_step.output, v_step.error, v_step.attempt,
    epoch_ms(v_step.started_at), epoch_ms(v_step.completed_at), epoch_ms(v_step.created_at),
    epoch_ms(v_step.updated_at), epoch_ms(v_step.retry_after), v_step.spec_version,
    epoch_ms(v_wait.resume_at), epoch_ms(v_wait.created_at), v_wait.spec_version;
END $$;

-- Why a guarded step update matched nothing, in the reference's order of checks.
CREATE FUNCTION step_refusal(p_run_id text, p_step_id text, p_event_type text, p_run_status text,
                             p_now bigint) RETURNS append_result
  LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
DECLARE
  v_step steps%ROWTYPE;
  v_out append_result;
BEGIN
  SELECT * INTO v_step FROM steps WHERE run_id = p_run_id AND step_id = p_step_id;
  IF NOT FOUND THEN
    RETURN refusal('NOT_FOUND', 'step');
  ELSIF v_step.status IN ('completed', 'failed', 'cancelled') THEN
    RETURN refusal('CONFLICT', format('step %s is already %s', p_step_id, v_step.status));
  ELSIF p_event_type IN ('step_started', 'step_failed')
        AND p_run_status IN ('completed', 'failed', 'cancelled') AND v_step.status <> 'running' THEN
    RETURN refusal('RUN_EXPIRED', format('run %s is %s; step %s is %s', p_run_id, p_run_status,
                                         p_step_id, v_step.status));
  END IF;
  v_out := refusal('TOO_EARLY', format('step %s may not start before %s', p_step_id,
    to_char(v_step.retry_after AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
  v_out.retry_after_s := greatest(1, ceil((epoch_ms(v_step.retry_after) - p_now) / 1000.0));
  RETURN v_out;
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
    -- An existing run is a conflict before it is a fence failure (the reference's order).
    IF p_last_known_event_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM runs WHERE run_id = p_run_id) THEN
      RETURN NEXT refusal('FENCE_CONFLICT');
      RETURN;
    END IF;
    v_last := next_event_id(NULL, p_now, p_random);
    v_at := from_epoch_ms(ulid_time(v_last));
    IF p_last_known_event_id IS NULL THEN
      INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version,
                        execution_context, input, created_at, updated_at)
      VALUES (p_run_id, 'pending', p_deployment_id, p_workflow_name, p_spec_version,
              p_execution_context, p_payload, v_at, v_at)
      ON CONFLICT (run_id) DO NOTHING
      RETURNING * INTO v_run;
    END IF;
    IF v_run.run_id IS NULL THEN
      RETURN NEXT refusal('CONFLICT', format('run %s already exists', p_run_id));
      RETURN;
    END IF;
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
      IF p_last_known_event_id IS NOT NULL THEN
        RETURN NEXT refusal('FENCE_CONFLICT');
        RETURN;
      END IF;
      v_last := next_event_id(NULL, p_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version,
                        execution_context, input, created_at, updated_at)
      VALUES (p_run_id, 'pending', p_deployment_id, p_workflow_name, p_spec_version,
              p_execution_context, p_payload, v_at, v_at)
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

    IF p_event_type = 'run_started' THEN
      IF v_run.status IN ('completed', 'failed', 'cancelled') THEN
        RETURN NEXT refusal('RUN_EXPIRED',
          format('run %s is already %s', p_run_id, v_run.status));
        RETURN;
      END IF;
      IF v_run.status = 'running' THEN
        v_unchanged := true;
      ELSE
        v_last := next_event_id(v_last, p_now, p_random);
        v_at := from_epoch_ms(ulid_time(v_last));
        INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version,
                            created_at)
        VALUES (p_run_id, v_last, 'run_started', p_correlation_id, p_spec_version, v_at);
        UPDATE runs SET status = 'running', started_at = coalesce(started_at, v_at),
                        updated_at = v_at
        WHERE run_id = p_run_id RETURNING * INTO v_run;
      END IF;
      -- The run's whole log, ascending, with data: the replay needs nothing else.
      RETURN QUERY SELECT NULL::integer, 'event', NULL::text, NULL::text, NULL::integer, NULL::text, NULL::text,
        e.event_id, e.event_type, e.correlation_id, e.spec_version, e.data, e.payload,
        NULL::text, NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bytea, NULL::bytea,
        NULL::bytea, NULL::bytea, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, NULL::bytea, NULL::bytea, NULL::bytea, NULL::integer,
        NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::integer,
        NULL::bigint, NULL::bigint, NULL::integer
      FROM events e WHERE e.run_id = p_run_id ORDER BY e.event_id;
    ELSIF p_event_type = 'run_cancelled' AND v_run.status = 'cancelled' THEN
      v_unchanged := true;
    ELSIF v_run.status IN ('completed', 'failed', 'cancelled') THEN
      RETURN NEXT refusal('CONFLICT', format('run %s is already %s', p_run_id, v_run.status));
      RETURN;
    ELSE
      v_last := next_event_id(v_last, p_now, p_random);
      v_at := from_epoch_ms(ulid_time(v_last));
      INSERT INTO events (run_id, event_id, event_type, correlation_id, spec_version, created_at,
                          data, payload)
      VALUES (p_run_id, v_last, p_event_type, p_correlation_id, p_spec_version, v_at, p_data,
              p_payload);
      UPDATE runs SET status = CASE p_event_type WHEN 'run_completed' THEN 'completed'
                                                 WHEN 'run_failed' THEN 'failed'
                                                 ELSE 'cancelled' END,
                      output = CASE WHEN p_event_type = 'run_completed' THEN p_payload END,
                      error = CASE WHEN p_event_type = 'run_failed' THEN p_error END,
                      completed_at = v_at, updated_at = v_at
      WHERE run_id = p_run_id RETURNING * INTO v_run;
      -- A terminal run releases its hook tokens and drops its waits.
      DELETE FROM hooks WHERE run_id = p_run_id;
      DELETE FROM waits WHERE run_id = p_run_id;
    END IF;
  END IF;

  RETURN QUERY SELECT NULL::integer, 'result', NULL::text, NULL::text, NULL::integer, NULL::text,
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
    NULL::bigint, NULL::bigint, NULL::integer;
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
  p_random text[]
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
        p_execution_context[i], p_state_updated_at[i], p_last_known_event_id[i], p_random[i])
    LOOP
      v_row.batch_index := i;
      RETURN NEXT v_row;
    END LOOP;
  END LOOP;
END $$;
