-- Runs up to spec version 5 are held and appended to (the 5.x face creates runs at 4 and 5); the
-- bound now comes from the rules table (rule_run_spec_version_max(), generated) instead of the
-- literal 3 of 0005. The rest of run_refusal() is 0005's.
CREATE OR REPLACE FUNCTION run_refusal(p_run_id text, p_spec_version integer, p_marker bigint,
                                       p_last text, p_state_updated_at double precision,
                                       p_last_known_event_id text)
RETURNS append_result
  LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_spec_version > rule_run_spec_version_max() THEN
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
