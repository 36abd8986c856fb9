-- Retention: runs that finished before a cutoff are deleted with everything they own, a small
-- batch per statement, each run under its own lock (lock_run, as append_event takes it), so a
-- reader sees a run whole or not at all and appends to other runs keep flowing.

-- Finished runs by completion time, oldest first: what a prune looks for, without reading runs
-- still in progress. These are the terminal statuses: nothing changes a run once it has one.
CREATE INDEX runs_finished_idx ON runs (completed_at, run_id)
  WHERE status IN ('completed', 'failed', 'cancelled');

-- The runs a prune deletes next: finished before p_cutoff, oldest completion first, at most
-- p_limit of them (NULL: all).
CREATE FUNCTION prunable_runs(p_cutoff timestamptz, p_limit integer) RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
  SELECT run_id FROM runs
  WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < p_cutoff
  ORDER BY completed_at, run_id
  LIMIT p_limit
$$;

-- Deletes the next p_limit prunable runs in one transaction. Their locks are taken in run id
-- order, the order append_events takes a batch's, so neither two prunes nor a prune and an append
-- batch can deadlock; then, on a fresh snapshot, only the runs that still qualify (another prune
-- may have taken one meanwhile) go, with every row that names them: events, steps, hooks and
-- waits (a run's end already dropped those two), streams and their chunks, queue messages. An
-- append that waited for a run's lock finds the run gone; one that got it first goes with it.
-- Returns how many runs were found, and how many of them this call deleted.
CREATE FUNCTION prune_runs(p_cutoff timestamptz, p_limit integer)
RETURNS TABLE (found integer, deleted integer)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_found text[];
  v_run_id text;
  v_deleted text[];
BEGIN
  SELECT coalesce(array_agg(p.run_id ORDER BY p.run_id), '{}') INTO v_found
  FROM prunable_runs(p_cutoff, p_limit) AS p(run_id);
  FOREACH v_run_id IN ARRAY v_found LOOP
    PERFORM lock_run(v_run_id);
  END LOOP;

  WITH gone AS (
    DELETE FROM runs
    WHERE run_id = ANY (v_found)
      AND status IN ('completed', 'failed', 'cancelled') AND completed_at < p_cutoff
    RETURNING run_id
  )
  SELECT coalesce(array_agg(run_id), '{}') INTO v_deleted FROM gone;
  IF cardinality(v_deleted) > 0 THEN
    DELETE FROM events WHERE run_id = ANY (v_deleted);
    DELETE FROM steps WHERE run_id = ANY (v_deleted);
    DELETE FROM hooks WHERE run_id = ANY (v_deleted);
    DELETE FROM waits WHERE run_id = ANY (v_deleted);
    WITH streams_gone AS (
      DELETE FROM streams WHERE run_id = ANY (v_deleted) RETURNING stream_name
    )
    DELETE FROM stream_chunks c USING streams_gone s WHERE c.stream_name = s.stream_name;
    DELETE FROM messages WHERE run_id = ANY (v_deleted);
  END IF;
  RETURN QUERY SELECT cardinality(v_found), cardinality(v_deleted);
END $$;
