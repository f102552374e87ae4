-- openslot schema, version 2. A transaction's writes go to the server
-- together with its COMMIT, in one round trip. A write that must not happen
-- (an id that exists, a stale version, a busy entry the exclusion constraint
-- refuses, an idempotency key that is taken) calls openslot_refuse: its error
-- aborts the transaction, so that the COMMIT sent after it commits nothing,
-- and its DETAIL tells pgstore what was refused.
CREATE FUNCTION openslot_refuse(detail text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'openslot: write refused: %', detail USING ERRCODE = 'OS409', DETAIL = detail;
END
$$;
