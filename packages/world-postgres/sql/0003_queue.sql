-- The durable queue. A row lives while its message is pending, delayed or in flight and is
-- deleted when a delivery is acknowledged, so the idempotency key is unique exactly for the
-- message's life. run_at is when the row may next be claimed: its delay, its backoff after a
-- failed delivery, or the end of the lease of the worker delivering it (a dead worker's lease
-- simply runs out and another worker claims the message).

CREATE TABLE messages (
  message_id      text COLLATE "C" PRIMARY KEY,
  queue_name      text NOT NULL,
  payload         bytea NOT NULL,
  headers         jsonb,
  idempotency_key text,
  deployment_id   text,
  -- The run a workflow message wakes, so recovery can tell a run already has one live.
  run_id          text COLLATE "C",
  -- Deliveries started since the message was (re)scheduled: a failed delivery keeps counting,
  -- a {timeoutSeconds} redelivery starts over at 1.
  attempt         integer NOT NULL DEFAULT 0,
  run_at          timestamptz NOT NULL,
  -- Identifies the current delivery; acknowledgements and renewals must present it.
  lease_token     text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX messages_run_at_idx ON messages (run_at);
CREATE INDEX messages_run_id_idx ON messages (run_id) WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key ON messages (queue_name, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Enqueues a message, or returns the live message holding the same idempotency key. With a lease
-- token the new message is inserted already claimed by that worker (the enqueuing process
-- delivers it itself, right after commit); otherwise consumers are woken when it is due now.
CREATE FUNCTION enqueue_message(
  p_message_id text,
  p_queue_name text,
  p_payload bytea,
  p_headers jsonb,
  p_idempotency_key text,
  p_deployment_id text,
  p_run_id text,
  p_delay_ms bigint,
  p_lease_token text,
  p_lease_ms integer
) RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  v_existing text;
BEGIN
  LOOP
    INSERT INTO messages (message_id, queue_name, payload, headers, idempotency_key,
                          deployment_id, run_id, attempt, run_at, lease_token)
    VALUES (p_message_id, p_queue_name, p_payload, p_headers, p_idempotency_key, p_deployment_id,
            p_run_id, CASE WHEN p_lease_token IS NULL THEN 0 ELSE 1 END,
            clock_timestamp() + CASE WHEN p_lease_token IS NULL
                                     THEN greatest(p_delay_ms, 0) * interval '1 millisecond'
                                     ELSE p_lease_ms * interval '1 millisecond' END,
            p_lease_token)
    ON CONFLICT (queue_name, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING;
    IF FOUND THEN
      IF p_lease_token IS NULL AND p_delay_ms <= 0 THEN
        PERFORM pg_notify(current_schema() || ':queue', '');
      END IF;
      RETURN p_message_id;
    END IF;
    SELECT message_id INTO v_existing FROM messages
    WHERE queue_name = p_queue_name AND idempotency_key = p_idempotency_key;
    IF FOUND THEN
      RETURN v_existing;
    END IF;
    -- The holder finished between the two statements: try again.
  END LOOP;
END $$;

-- Claims up to p_limit due messages for one worker, skipping rows other workers are claiming.
CREATE FUNCTION claim_messages(p_limit integer, p_lease_ms integer, p_worker text)
RETURNS TABLE (message_id text, queue_name text, payload bytea, headers jsonb, attempt integer,
               lease_token text)
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
  UPDATE messages AS m
  SET attempt = m.attempt + 1,
      run_at = clock_timestamp() + p_lease_ms * interval '1 millisecond',
      lease_token = p_worker || ':' || gen_random_uuid()
  FROM (
    SELECT due.message_id FROM messages AS due
    WHERE due.run_at <= clock_timestamp()
    ORDER BY due.run_at
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ) AS claimed
  WHERE m.message_id = claimed.message_id
  RETURNING m.message_id, m.queue_name, m.payload, m.headers, m.attempt, m.lease_token
$$;
