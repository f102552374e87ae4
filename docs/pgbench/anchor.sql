-- The anchor: one INSERT into the busy table, its own transaction.
-- See docs/postgres.md#throughput for how to run it.
\set n random(1, 2000000000)
INSERT INTO busy (id, schedule_id, start_at, end_at, count, appointment_id, booking, exclusive) VALUES ('y' || (:n)::bigint, 'z' || ((:n)::bigint % 16)::text, '2040-01-01'::timestamptz + (:n)::bigint * interval '1 min', '2040-01-01'::timestamptz + (:n)::bigint * interval '1 min' + interval '1 min', 1, '', true, true) ON CONFLICT DO NOTHING;
