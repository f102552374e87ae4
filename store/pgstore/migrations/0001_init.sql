-- openslot schema, version 1. Applied by pgstore.Migrate inside one
-- transaction; see docs/postgres.md for what each table is for.

-- btree_gist lets the busy table's exclusion constraint combine equality on
-- a schedule id with overlap of a time range.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Every stored resource. body is the resource as JSON (json, not jsonb, so
-- that the raw FHIR elements a resource keeps come back with their key order
-- intact). terms and at are what store.Indexed says the resource is found
-- by; hold_until is set for pending appointments that are holds.
CREATE TABLE resources (
    type         text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    version      bigint NOT NULL CHECK (version > 0),
    last_updated timestamptz NOT NULL,
    at           timestamptz,
    hold_until   timestamptz,
    terms        text[] NOT NULL,
    body         json NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE INDEX resources_terms ON resources USING gin (terms);
CREATE INDEX resources_at ON resources (type, (coalesce(at, '-infinity'::timestamptz)), id);
CREATE INDEX resources_updated ON resources (type, last_updated);
CREATE INDEX resources_holds ON resources (hold_until, id) WHERE hold_until IS NOT NULL;

-- Busy time. The exclusion constraint is the database's own guard against
-- a double booking: two exclusive entries of one schedule never overlap.
CREATE TABLE busy (
    id             text COLLATE "C" PRIMARY KEY,
    schedule_id    text COLLATE "C" NOT NULL,
    start_at       timestamptz NOT NULL,
    end_at         timestamptz NOT NULL,
    span           tstzrange NOT NULL GENERATED ALWAYS AS (tstzrange(start_at, end_at, '[)')) STORED,
    count          integer NOT NULL,
    appointment_id text COLLATE "C" NOT NULL,
    held_until     timestamptz,
    booking        boolean NOT NULL,
    exclusive      boolean NOT NULL,
    CONSTRAINT busy_span_not_empty CHECK (start_at < end_at),
    CONSTRAINT busy_no_overlap EXCLUDE USING gist (schedule_id WITH =, span WITH &&) WHERE (exclusive)
);
CREATE INDEX busy_schedule_span ON busy USING gist (schedule_id, span);
CREATE INDEX busy_appointment ON busy (appointment_id) WHERE appointment_id <> '';

-- The event log (outbox). Writers insert with a NULL cursor; readers number
-- committed events in seq order under an advisory lock before they read, so
-- a cursor is never handed out before a smaller one is visible.
CREATE TABLE events (
    seq            bigserial PRIMARY KEY,
    cursor         bigint UNIQUE,
    recorded       timestamptz NOT NULL,
    type           text NOT NULL,
    appointment_id text COLLATE "C" NOT NULL,
    body           json NOT NULL
);
CREATE INDEX events_pending ON events (seq) WHERE cursor IS NULL;

-- Idempotency keys: the result of a request, recorded once.
CREATE TABLE idempotency (
    key      text COLLATE "C" PRIMARY KEY,
    result   text NOT NULL,
    recorded timestamptz NOT NULL
);

-- The last event cursor each named consumer acknowledged.
CREATE TABLE consumers (
    name    text COLLATE "C" PRIMARY KEY,
    cursor  bigint NOT NULL,
    updated timestamptz NOT NULL
);

-- Leases for background work shared by several processes.
CREATE TABLE leases (
    name   text COLLATE "C" PRIMARY KEY,
    holder text NOT NULL,
    until  timestamptz NOT NULL
);
