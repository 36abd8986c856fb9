-- Storage of runs, steps, hooks, waits and their event log.
--
-- Applied with search_path set to the World's schema: names are unqualified, and functions pin
-- the schema with SET search_path FROM CURRENT, so several apps can share one database.
-- Ids compare byte-wise (COLLATE "C"): event ids are ULIDs whose order is their commit order.

CREATE TABLE runs (
  run_id            text COLLATE "C" PRIMARY KEY,
  status            text NOT NULL,
  deployment_id     text NOT NULL,
  workflow_name     text NOT NULL,
  spec_version      integer NOT NULL,
  execution_context bytea,
  input             bytea,
  output            bytea,
  error             bytea,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  started_at        timestamptz,
  completed_at      timestamptz
) WITH (fillfactor = 80);

CREATE INDEX runs_status_idx ON runs (status, run_id);
CREATE INDEX runs_workflow_name_idx ON runs (workflow_name, run_id);

CREATE TABLE events (
  run_id         text COLLATE "C" NOT NULL,
  event_id       text COLLATE "C" NOT NULL,
  event_type     text NOT NULL,
  correlation_id text COLLATE "C",
  spec_version   integer NOT NULL,
  created_at     timestamptz NOT NULL,
  -- CBOR of eventData without its payload field; NULL when the event has no eventData.
  data           bytea,
  -- CBOR of the payload field (input, output, result, payload, metadata or error), kept apart so
  -- that reads with resolveData 'none' never fetch it and entities share its bytes.
  payload        bytea,
  -- Externally originated (a hook_received or step_completed written without stateUpdatedAt):
  -- the newest such event is the stateUpdatedAt guard's marker.
  external       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (run_id, event_id)
);

-- The run's state for the fences is its log: the newest event id (the lastKnownEventId fence)
-- comes from the primary key, the guard's marker from this index.
CREATE INDEX events_external_idx ON events (run_id, event_id) WHERE external;

-- Creation events happen at most once per (run, correlation id, type): a constraint, not a check.
CREATE UNIQUE INDEX events_creation_key ON events (run_id, correlation_id, event_type)
  WHERE event_type IN ('step_created', 'hook_created', 'wait_created');
CREATE INDEX events_correlation_idx ON events (correlation_id, event_id) WHERE correlation_id IS NOT NULL;

CREATE TABLE steps (
  run_id           text COLLATE "C" NOT NULL,
  step_id          text COLLATE "C" NOT NULL,
  step_name        text NOT NULL,
  status           text NOT NULL,
  input            bytea,
  output           bytea,
  error            bytea,
  attempt          integer NOT NULL,
  started_at       timestamptz,
  completed_at     timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  retry_after      timestamptz,
  spec_version     integer NOT NULL,
  -- The step_created event: orders steps by creation, in commit order.
  created_event_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (run_id, step_id)
) WITH (fillfactor = 80);

CREATE INDEX steps_step_id_idx ON steps (step_id);

-- Active hooks only: a hook row is deleted on dispose and when its run terminates, which frees
-- its token. Tokens are arbitrary user text, so uniqueness is on their digest.
CREATE TABLE hooks (
  run_id           text COLLATE "C" NOT NULL,
  hook_id          text COLLATE "C" NOT NULL,
  token            text NOT NULL,
  metadata         bytea,
  is_webhook       boolean NOT NULL,
  spec_version     integer NOT NULL,
  created_at       timestamptz NOT NULL,
  created_event_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (run_id, hook_id)
);

CREATE UNIQUE INDEX hooks_token_key ON hooks (md5(token));
CREATE INDEX hooks_hook_id_idx ON hooks (hook_id);
CREATE INDEX hooks_created_idx ON hooks (created_event_id, run_id);

CREATE TABLE waits (
  run_id         text COLLATE "C" NOT NULL,
  correlation_id text COLLATE "C" NOT NULL,
  status         text NOT NULL,
  resume_at      timestamptz,
  completed_at   timestamptz,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  spec_version   integer NOT NULL,
  PRIMARY KEY (run_id, correlation_id)
);

-- Epoch milliseconds of a timestamp, the unit every id and date crosses the wire in. (STABLE,
-- like extract() on timestamptz, so the planner inlines it.)
CREATE FUNCTION epoch_ms(ts timestamptz) RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN floor(extract(epoch FROM ts) * 1000)::bigint;

CREATE FUNCTION from_epoch_ms(ms bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_timestamp(ms / 1000.0);
