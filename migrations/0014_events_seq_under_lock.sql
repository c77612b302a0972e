-- An event's seq is taken under the publisher lock (advisory, shared, held until the transaction
-- ends) by the column default itself, so publishing is one statement instead of two; any other
-- insert into events (tests, manual repair) now keeps the relay's gap rule as well.
-- The key (7294, 2) is PUBLISHER_LOCK in src/server/platform/realtime/outbox.ts.
CREATE FUNCTION events_next_seq() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  -- First the lock, then the number: a relay that sees this seq missing finds this transaction holding it.
  PERFORM pg_advisory_xact_lock_shared(7294, 2);
  RETURN nextval(pg_get_serial_sequence('events', 'seq')::regclass);
END $$;
ALTER TABLE events ALTER COLUMN seq SET DEFAULT events_next_seq();
