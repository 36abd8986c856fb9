-- Streams: named, append-only chunk sequences. The streams row allocates chunk indices (one
-- write, one index) and records the EOF; chunks are the source of truth for readers, and NOTIFY
-- only wakes them.

CREATE TABLE streams (
  stream_name text COLLATE "C" PRIMARY KEY,
  run_id      text COLLATE "C" NOT NULL,
  chunk_count integer NOT NULL DEFAULT 0,
  closed      boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX streams_run_id_idx ON streams (run_id);

CREATE TABLE stream_chunks (
  stream_name text COLLATE "C" NOT NULL,
  chunk_index integer NOT NULL,
  data        bytea NOT NULL,
  PRIMARY KEY (stream_name, chunk_index)
);

-- Appends chunks (in order) and optionally closes the stream, in one statement. Writes after
-- the stream was closed are ignored. Returns the stream's chunk count, NULL when it was closed.
CREATE FUNCTION write_stream(p_name text, p_run_id text, p_chunks bytea[], p_close boolean)
RETURNS integer
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_added CONSTANT integer := coalesce(cardinality(p_chunks), 0);
  v_count integer;
BEGIN
  INSERT INTO streams AS s (stream_name, run_id, chunk_count, closed)
  VALUES (p_name, p_run_id, v_added, p_close)
  ON CONFLICT (stream_name) DO UPDATE
    SET chunk_count = s.chunk_count + v_added, closed = s.closed OR p_close
    WHERE NOT s.closed
  RETURNING s.chunk_count INTO v_count;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF v_added > 0 THEN
    INSERT INTO stream_chunks (stream_name, chunk_index, data)
    SELECT p_name, v_count - v_added + (u.ordinality::integer) - 1, u.chunk
    FROM unnest(p_chunks) WITH ORDINALITY AS u(chunk, ordinality);
  END IF;
  PERFORM pg_notify(current_schema() || ':stream', p_name);
  RETURN v_count;
END $$;
